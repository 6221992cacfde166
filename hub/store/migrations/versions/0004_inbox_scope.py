"""inbox scoped by caller: (caller, message_id) instead of one namespace for everyone

Revision ID: 0004_inbox_scope
Revises: 0007_backoffice

Rows written before this revision are kept. The brand owner's go under caller ``brand-owner``.
A partner's were stored as ``<vhost>/<message_id>`` (recognisable: the stored reply's
``request_id`` is that ``message_id``) and go under caller ``<vhost>/<partner id>``, the only
user the hub served on that vhost. The SOAP endpoint's (``soap/<partner>/<operation>/<id>``)
go under caller ``soap/<partner>/<operation>/<partner>``, as the endpoint now names them. ``message_id``s longer than the column are kept as digests.
"""

import hashlib
import json

import sqlalchemy as sa
from alembic import op

revision = '0004_inbox_scope'
down_revision = '0007_backoffice'
branch_labels = None
depends_on = None

BRAND_OWNER = "brand-owner"
_BATCH = 1000
_KEY_LIMIT = 200


def _key(message_id: str) -> str:
    if len(message_id) <= _KEY_LIMIT:
        return message_id
    return f"#{hashlib.sha256(message_id.encode()).hexdigest()}"


def _scoped(message_id: str, reply: dict) -> tuple[str, str]:
    """(caller, message_id) of one row of the unscoped inbox."""
    vhost, _, rest = message_id.partition("/")
    request_id = str(reply.get("request_id", ""))
    digest = f"#{hashlib.sha256(request_id.encode()).hexdigest()}"
    if vhost.startswith("partner.") and rest in (request_id, digest):
        return f"{vhost}/{vhost.removeprefix('partner.')}", _key(request_id)
    soap = message_id.split("/", 3)
    if len(soap) == 4 and soap[0] == "soap" and soap[3] in (request_id, digest):
        _, partner, operation, _ = soap
        return f"soap/{partner}/{operation}/{partner}", _key(request_id)
    return BRAND_OWNER, _key(message_id)


def _reply(value):  # type: ignore[no-untyped-def]
    return json.loads(value) if isinstance(value, str) else value


def _copy(source: str, key: tuple[str, ...], convert) -> None:  # type: ignore[no-untyped-def]
    """Copy every row of ``source`` into ``inbox`` through ``convert``, a batch at a time."""
    bind = op.get_bind()
    old = sa.Table(source, sa.MetaData(), autoload_with=bind)
    new = sa.Table('inbox', sa.MetaData(), autoload_with=bind)
    offset = 0
    while True:
        rows = bind.execute(sa.select(old).order_by(*(old.c[c] for c in key))
                            .offset(offset).limit(_BATCH)).all()
        if not rows:
            return
        bind.execute(sa.insert(new), [convert(row) for row in rows])
        offset += len(rows)


def _set_aside(name: str) -> None:
    op.rename_table('inbox', name)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'ALTER TABLE {name} RENAME CONSTRAINT inbox_pkey TO {name}_pkey')


def upgrade() -> None:
    _set_aside('inbox_unscoped')
    op.create_table('inbox',
    sa.Column('caller', sa.String(length=200), nullable=False),
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('caller', 'message_id')
    )

    def convert(row):  # type: ignore[no-untyped-def]
        reply = _reply(row.reply)
        caller, message_id = _scoped(row.message_id, reply)
        return {"caller": caller, "message_id": message_id, "operation": row.operation,
                "reply": reply, "created_at": row.created_at}

    _copy('inbox_unscoped', ('message_id',), convert)
    op.drop_table('inbox_unscoped')


def downgrade() -> None:
    _set_aside('inbox_scoped')
    op.create_table('inbox',
    sa.Column('message_id', sa.String(length=200), nullable=False),
    sa.Column('operation', sa.String(length=64), nullable=False),
    sa.Column('reply', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('message_id')
    )

    def convert(row):  # type: ignore[no-untyped-def]
        scope = row.caller.rsplit("/", 1)[0]
        message_id = (row.message_id if row.caller == "brand-owner"
                      else _key(f"{scope}/{row.message_id}"))
        return {"message_id": message_id, "operation": row.operation,
                "reply": _reply(row.reply), "created_at": row.created_at}

    _copy('inbox_scoped', ('caller', 'message_id'), convert)
    op.drop_table('inbox_scoped')
