"""The fake gateway: HELLO, heartbeats, IDENTIFY/READY, RESUME/replay, zlib-stream, dispatch."""

from __future__ import annotations

import asyncio
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from . import payloads
from .models import FakeGuild

if TYPE_CHECKING:
    from .core import FakeBase

JSON = dict[str, Any]

DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE_STATE = 0, 1, 2, 3, 4
RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, HEARTBEAT_ACK = 6, 7, 8, 9, 10, 11
SYNC_FLUSH_SUFFIX = b"\x00\x00\xff\xff"
GUILD_MEMBERS = 1 << 1


class ZlibStream:
    """Discord's ``compress=zlib-stream``: one zlib context for the whole connection; every
    message is compressed into it and ended with a Z_SYNC_FLUSH (so it ends in 00 00 ff ff)."""

    def __init__(self) -> None:
        self._z = zlib.compressobj()

    def compress(self, text: str) -> bytes:
        return self._z.compress(text.encode()) + self._z.flush(zlib.Z_SYNC_FLUSH)


class ZstdStream:
    """``compress=zstd-stream``, which discord.py asks for when ``zstandard`` is installed or
    on Python 3.14+ (``compression.zstd``): one zstd stream per connection, each message a
    flushed block. Untested here (neither is available in this venv)."""

    def __init__(self) -> None:
        self._compress: Callable[[bytes], bytes]
        try:
            from compression import zstd  # type: ignore[import-not-found, unused-ignore]

            c = zstd.ZstdCompressor()
            self._compress = lambda b: bytes(c.compress(b, zstd.ZstdCompressor.FLUSH_BLOCK))
        except ImportError:
            import zstandard  # type: ignore[import-not-found, unused-ignore]

            obj = zstandard.ZstdCompressor().compressobj()
            flush = zstandard.COMPRESSOBJ_FLUSH_BLOCK
            self._compress = lambda b: bytes(obj.compress(b) + obj.flush(flush))

    @staticmethod
    def available() -> bool:
        try:
            ZstdStream()
        except ImportError:
            return False
        return True

    def compress(self, text: str) -> bytes:
        return self._compress(text.encode())


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    zlib: ZlibStream | ZstdStream | None  # None: plain text frames
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None
    received: list[JSON] = field(default_factory=list)
    close_code: int | None = None

    async def send(self, payload: JSON) -> bool:
        text = json.dumps(payload, separators=(",", ":"))
        async with self.lock:
            if self.ws.closed:
                return False
            try:
                if self.zlib is not None:
                    await self.ws.send_bytes(self.zlib.compress(text))
                else:
                    await self.ws.send_str(text)
            except (ConnectionError, RuntimeError):
                return False
        return True


@dataclass(eq=False)
class Session:
    """A gateway session; survives reconnects, keeps its dispatches for RESUME replay."""

    session_id: str
    shard: list[int] | None
    intents: int
    identify: JSON
    seq: int = 0
    log: list[JSON] = field(default_factory=list)
    conn: Connection | None = None
    resumes: int = 0
    replayed: list[str] = field(default_factory=list)  # events replayed by the last RESUME
    invalid: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def handles(self, guild_id: int | None) -> bool:
        if self.shard is None or guild_id is None:
            return self.shard is None or self.shard[0] == 0
        shard_id, count = self.shard
        return (guild_id >> 22) % count == shard_id

    async def dispatch(self, event: str, data: JSON) -> int:
        async with self.lock:
            self.seq += 1
            payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": data}
            self.log.append(payload)
            if self.conn is not None:
                await self.conn.send(payload)
            return self.seq


class Gateway:
    def __init__(self, fake: FakeBase) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.connections: list[Connection] = []
        self.errors: list[str] = []
        self.heartbeats = 0
        self.down = False  # an outage: every connection attempt is refused (503)
        self.refused = 0  # connection attempts refused while down
        self.attempts: list[tuple[float, str]] = []  # (loop time, "identify" or "resume")
        self._tasks: set[asyncio.Task[Any]] = set()

    # --- public helpers (used through FakeBase) -------------------------------------------

    def live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if not s.invalid]

    def session_for(self, guild_id: int | None) -> Session:
        for session in self.live_sessions():
            if session.handles(guild_id):
                return session
        raise AssertionError(f"no gateway session for guild {guild_id}: is the bot logged in?")

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None = None) -> None:
        """Send an event to the session that owns ``guild_id`` (all sessions when None)."""
        for session in self.live_sessions():
            if guild_id is None or session.handles(guild_id):
                await session.dispatch(event, data)

    def close_connection(self, session: Session, code: int) -> None:
        """Detach the session's connection now (later events wait for RESUME) and close it."""
        if session.conn is not None:
            conn, session.conn = session.conn, None
            task = asyncio.get_running_loop().create_task(
                conn.ws.close(code=code, message=b"closed by the fake")
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    # --- the websocket handler ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if self.down:
            self.refused += 1
            self.fake._notify()
            return web.Response(status=503, text="gateway outage (the fake)")
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        query = dict(request.query)
        conn = Connection(ws, request.path, query, None)
        self.connections.append(conn)
        self.fake._notify()
        problem = self._check_query(query)
        if problem is not None:
            code, reason = problem
            self.errors.append(reason)
            await ws.close(code=code, message=reason.encode())
            return ws
        if query.get("compress") == "zlib-stream":
            conn.zlib = ZlibStream()
        elif query.get("compress") == "zstd-stream":
            conn.zlib = ZstdStream()
        hello = {"heartbeat_interval": self.fake.heartbeat_interval_ms, "_trace": ["fake-gw"]}
        await conn.send({"op": HELLO, "s": None, "t": None, "d": hello})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    self.errors.append(
                        f"gateway: unexpected {msg.type.name} message from the client"
                    )
                    continue
                try:
                    await self._received(conn, json.loads(msg.data))
                except Exception as exc:  # a bug in the fake or garbage from the client
                    self.errors.append(f"gateway: {exc!r} handling {msg.data[:200]}")
        finally:
            conn.close_code = ws.close_code
            session = conn.session
            if session is not None and session.conn is conn:
                session.conn = None
                # A client closing with 1000/1001 ends its session: it cannot be resumed.
                if ws.close_code in (WSCloseCode.OK, WSCloseCode.GOING_AWAY):
                    session.invalid = True
            self.fake._notify()
        return ws

    def _check_query(self, query: dict[str, str]) -> tuple[int, str] | None:
        if query.get("v") != "10":
            return 4012, f"gateway: unsupported version v={query.get('v')!r}"
        if query.get("encoding", "json") != "json":
            return 4002, f"gateway: only encoding=json is supported, got {query['encoding']!r}"
        supported = {None, "zlib-stream"} | ({"zstd-stream"} if ZstdStream.available() else set())
        if query.get("compress") not in supported:
            return 4000, f"gateway: unsupported compress={query['compress']!r}"
        return None

    async def _received(self, conn: Connection, msg: JSON) -> None:
        conn.received.append(msg)
        op = msg.get("op")
        raw = msg.get("d")
        data: JSON = raw if isinstance(raw, dict) else {}
        if op == HEARTBEAT:
            self.heartbeats += 1
            await conn.send({"op": HEARTBEAT_ACK, "s": None, "t": None, "d": None})
        elif op == IDENTIFY:
            await self._identify(conn, data)
        elif op == RESUME:
            await self._resume(conn, data)
        elif op == REQUEST_MEMBERS:
            await self._members_chunk(conn, data)
        elif op not in (PRESENCE, VOICE_STATE):
            self.errors.append(f"gateway: unexpected op {op}: {msg}")
        self.fake._notify()

    async def _identify(self, conn: Connection, data: JSON) -> None:
        self.attempts.append((asyncio.get_running_loop().time(), "identify"))
        if conn.session is not None:
            await conn.ws.close(code=4005, message=b"Already authenticated.")
            return
        if data.get("token") != self.fake.token:
            self.errors.append("gateway: IDENTIFY with a wrong token")
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard")
        session = Session(secrets.token_hex(16), shard, int(data.get("intents") or 0), data)
        self.sessions[session.session_id] = session
        conn.session = session
        session.conn = conn
        guilds = [g for g in self.fake.guilds.values() if g.bot_installed and session.handles(g.id)]
        ready = payloads.ready(
            self.fake.bot_user,
            [g.id for g in guilds],
            session_id=session.session_id,
            resume_url=f"{self.fake.ws_url}resume",
            shard=shard,
        )
        await session.dispatch("READY", ready)
        for g in guilds:
            await session.dispatch("GUILD_CREATE", self.guild_create(session, g))

    def guild_create(self, session: Session, guild: FakeGuild) -> JSON:
        members = bool(session.intents & GUILD_MEMBERS)
        return payloads.guild(guild, app_id=self.fake.app_id, all_members=members)

    async def _resume(self, conn: Connection, data: JSON) -> None:
        self.attempts.append((asyncio.get_running_loop().time(), "resume"))
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or session.invalid or data.get("token") != self.fake.token:
            await conn.send({"op": INVALID_SESSION, "s": None, "t": None, "d": False})
            return
        last = data.get("seq") or 0
        async with session.lock:
            old = session.conn
            session.conn = conn
            conn.session = session
            missed = [p for p in session.log if p["s"] > last]
            session.replayed = [p["t"] for p in missed]
            for payload in missed:
                await conn.send(payload)
            session.seq += 1
            resumed = {"op": DISPATCH, "t": "RESUMED", "s": session.seq, "d": {"_trace": []}}
            session.log.append(resumed)
            await conn.send(resumed)
            session.resumes += 1
        if old is not None and old is not conn:
            await old.ws.close(code=4000)

    async def _members_chunk(self, conn: Connection, data: JSON) -> None:
        guild = self.fake.guilds.get(int(data.get("guild_id") or 0))
        session = conn.session
        if guild is None or session is None:
            return
        members = list(guild.members.values())
        user_ids = {int(u) for u in data.get("user_ids") or []}
        if user_ids:
            members = [m for m in members if m.user.id in user_ids]
        query = (data.get("query") or "").lower()
        if query:
            members = [m for m in members if m.user.username.lower().startswith(query)]
        if data.get("limit"):
            members = members[: int(data["limit"])]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "members": [payloads.member(m) for m in members],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce"):
            chunk["nonce"] = data["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def send_op(self, session: Session, op: int, d: Any = None) -> None:
        if session.conn is None:
            raise AssertionError(f"session {session.session_id} has no live connection")
        await session.conn.send({"op": op, "s": None, "t": None, "d": d})
