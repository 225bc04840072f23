# SPDX-License-Identifier: MIT
# asyncio (epoll) both ways: "server PORT" echoes every connection; "clients HOST PORT N"
# opens N connections, waits until all N are open at once, then sends 20000 random bytes
# on each and checks the echo.
import asyncio, os, sys
async def handle(r, w):
    while (d := await r.read(65536)):
        w.write(d)
        await w.drain()
    w.close()
async def server(port):
    srv = await asyncio.start_server(handle, "0.0.0.0", port, backlog=512)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()
async def clients(host, port, n):
    opened, all_open = 0, asyncio.Event()
    async def one():
        nonlocal opened
        r, w = await asyncio.open_connection(host, port)
        opened += 1
        if opened == n:
            all_open.set()
        await all_open.wait()
        data = os.urandom(20000)
        w.write(data)
        await w.drain()
        assert await r.readexactly(len(data)) == data
        w.close()
        await w.wait_closed()
    await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), 60)
    print("asyncio: %d concurrent connections echoed" % n)
if sys.argv[1] == "server":
    asyncio.run(server(int(sys.argv[2])))
else:
    asyncio.run(clients(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
