"""List reads without a Session (registry.db.engine.statement_reads): each statement its own
transaction, and the pooled connection goes back as it came, so the next unit of work on it
is one transaction again (a write that fails leaves nothing behind)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.db.engine import make_engine, make_session_factory, statement_reads
from registry.db.uow import Actor, UnitOfWork
from registry.inventory.models import Organisation

NAMES = sa.select(Organisation.name).order_by(Organisation.name)


@pytest.fixture
def one_connection(database_url):
    """An engine whose pool holds one connection: every checkout gets the same one."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_reads_answer_as_a_session_does(one_connection, session_factory, actor):
    with UnitOfWork(session_factory, actor) as uow:
        uow.session.add_all([Organisation(name=n, sector="telecom") for n in ("B", "A")])
        uow.commit()
    with statement_reads(one_connection) as reads:
        assert reads.get_bind() is one_connection
        assert list(reads.scalars(NAMES)) == ["A", "B"]
        assert reads.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 2
        assert [tuple(r) for r in reads.execute(NAMES)] == [("A",), ("B",)]
        assert reads.connection().scalar(NAMES) == "A"


def test_the_connection_goes_back_transactional(one_connection):
    with statement_reads(one_connection) as reads:
        if one_connection.dialect.name == "postgresql":  # autocommit while it reads
            assert reads.connection().connection.driver_connection.autocommit is True
        assert reads.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    factory = make_session_factory(one_connection)
    with pytest.raises(RuntimeError), UnitOfWork(factory, Actor.system("t")) as uow:
        uow.session.add(Organisation(name="half", sector="power"))
        uow.session.flush()  # written on the same connection, inside its transaction
        raise RuntimeError("the write fails before its commit")
    with statement_reads(one_connection) as reads:
        assert reads.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_each_statement_is_its_own_transaction(one_connection):
    """No BEGIN is sent: on PostgreSQL two statements get two transaction ids; on SQLite the
    driver connection is never left inside a transaction."""
    with statement_reads(one_connection) as reads:
        if one_connection.dialect.name == "postgresql":
            first, second = (reads.scalar(sa.text("SELECT txid_current()")) for _ in range(2))
            assert first != second
        else:
            reads.scalar(sa.select(sa.func.count()).select_from(Organisation))
            assert not reads.connection().connection.driver_connection.in_transaction
