"""Issue 8 item 6: one Idempotency-Key, concurrent requests with different bodies. Exactly one repayment is
recorded; a request with the winner's body replays the winner's answer, any other body is refused 409
`idempotency_key_reused` — whichever request wins the race, in threads against PostgreSQL and through gunicorn.
The same holds for withdrawals, idempotent on the bank's reference."""
import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken
from apps.core.errors import DomainError
from apps.loans import services
from apps.loans.models import Loan, Repayment
from apps.postloan import services as postloan
from apps.postloan.models import Withdrawal
from tests.loans.test_loan_account import disbursed

ROOT = Path(__file__).resolve().parents[2]
BODIES = [{"paid_on": "2024-06-20", "interest": "41.15"}, {"paid_on": "2024-06-21", "principal": "1000.00"}]


def _needs_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("the race needs PostgreSQL's concurrent writers (SQLite serialises them)")


def _race(n, act):
    """Run act(i) in n threads released at once; returns [(i, result or DomainError code)]."""
    barrier, results, lock = threading.Barrier(n), [], threading.Lock()

    def run(i):
        try:
            barrier.wait()
            out = act(i)
        except DomainError as exc:
            out = exc.code
        finally:
            connections.close_all()
        with lock:
            results.append((i, out))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == n
    return results


@pytest.mark.django_db(transaction=True)
def test_ten_threads_one_key_alternating_bodies(chain):
    _needs_postgres()
    loan = disbursed(chain)

    def act(i):
        body = BODIES[i % 2]
        repayment, created = services.repayment_post(
            chain["banker"], Loan(pk=loan.pk), paid_on=dt.date.fromisoformat(body["paid_on"]),
            principal=Decimal(body.get("principal", "0")), interest=Decimal(body.get("interest", "0")), idempotency_key="same-key")
        return repayment.pk, created

    results = _race(10, act)
    [row] = Repayment.objects.filter(loan=loan)
    winner = BODIES[0] if row.interest == Decimal("41.15") else BODIES[1]
    created = [i for i, out in results if isinstance(out, tuple) and out[1]]
    assert len(created) == 1 and BODIES[created[0] % 2] is winner
    for i, out in results:
        if BODIES[i % 2] is winner:
            assert out == (row.pk, i in created), (i, out)  # the winner, or a replay of the winner
        else:
            assert out == "idempotency_key_reused", (i, out)  # never the other body's repayment


@pytest.mark.django_db
def test_a_key_longer_than_stored_is_refused_not_truncated(chain):
    loan = disbursed(chain)
    _, key = ApiToken.issue(chain["banker"], "核心系统")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/loans/{loan.pk}/repayments/"
    long_key = "k" * 100
    r = api.post(url, BODIES[0], format="json", HTTP_IDEMPOTENCY_KEY=long_key + "A")
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_too_long", r.content
    assert "Idempotency-Key" in r.json()["fields"]
    # A key that differs only after the stored length is another key, not a retry of the first.
    assert api.post(url, BODIES[0], format="json", HTTP_IDEMPOTENCY_KEY=long_key).status_code == 201
    r = api.post(url, BODIES[1], format="json", HTTP_IDEMPOTENCY_KEY=long_key + "B")
    assert r.status_code == 400 and r.json()["code"] == "idempotency_key_too_long"
    assert Repayment.objects.filter(loan=loan).count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_threads_one_bank_reference_different_withdrawals(chain):
    _needs_postgres()
    loan = disbursed(chain)
    amounts = [Decimal("2000.00"), Decimal("3000.00")]

    def act(i):
        w, created = postloan.withdrawal_record(chain["banker"], Loan(pk=loan.pk), amount=amounts[i % 2],
                                                withdrawn_on=loan.disbursed_on, external_id="TXN-RACE")
        return w.pk, created

    results = _race(10, act)
    [row] = Withdrawal.objects.filter(loan=loan)
    created = [i for i, out in results if isinstance(out, tuple) and out[1]]
    assert len(created) == 1 and amounts[created[0] % 2] == row.amount
    for i, out in results:
        if amounts[i % 2] == row.amount:
            assert out == (row.pk, i in created), (i, out)
        else:
            assert out == "withdrawal_reference_reused", (i, out)


@pytest.mark.django_db
def test_a_reused_withdrawal_reference_with_other_content_is_refused(chain):
    loan = disbursed(chain)
    first, _ = postloan.withdrawal_record(chain["banker"], loan, amount=Decimal("2000"), withdrawn_on=loan.disbursed_on,
                                          external_id="TXN-1", payee="饲料公司")
    again, created = postloan.withdrawal_record(chain["banker"], loan, amount=Decimal("2000.00"), withdrawn_on=loan.disbursed_on,
                                                external_id="TXN-1", payee="饲料公司")
    assert again.pk == first.pk and not created
    with pytest.raises(DomainError) as exc:
        postloan.withdrawal_record(chain["banker"], loan, amount=Decimal("2000"), withdrawn_on=loan.disbursed_on,
                                   external_id="TXN-1", payee="别人")
    assert exc.value.code == "withdrawal_reference_reused" and exc.value.status == 409


# --- through gunicorn ---------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(port, path, body, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", path, body=json.dumps(body), headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.fixture
def gunicorn(transactional_db):
    """gunicorn on a free loopback port against this test's database; `timeout` stops it even if the test dies."""
    _needs_postgres()
    db = connection.settings_dict
    port = _free_port()
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="microcredit.settings.test", CONN_MAX_AGE="0",
               DATABASE_URL=f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    proc = subprocess.Popen([shutil.which("timeout") or "timeout", "120", str(ROOT / ".venv/bin/gunicorn"), "microcredit.wsgi:application",
                             "-b", f"127.0.0.1:{port}", "-w", "2", "-k", "gthread", "--threads", "8", "--log-level", "error"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail("gunicorn died: " + proc.stdout.read())
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not start within 60 s")
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_requests_through_gunicorn(chain, gunicorn):
    loan = disbursed(chain)
    _, token = ApiToken.issue(chain["banker"], "核心系统")
    path = f"/api/v1/loans/{loan.pk}/repayments/"
    for round_ in range(3):  # a few bursts, each with a key of its own: the race is not lost every time
        key = f"gunicorn-key-{round_}"
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Idempotency-Key": key, "Host": "127.0.0.1"}
        answers = dict(_race(10, lambda i, headers=headers: _post(gunicorn, path, BODIES[i % 2], headers)))
        [row] = Repayment.objects.filter(loan=loan, idempotency_key=key)
        winner = 0 if row.interest == Decimal("41.15") else 1
        created = [i for i, (code, _) in answers.items() if code == 201]
        assert len(created) == 1 and created[0] % 2 == winner, answers
        first = json.loads(answers[created[0]][1])
        assert first["id"] == row.pk
        for i, (code, body) in answers.items():
            if i % 2 == winner:
                assert code in (200, 201) and json.loads(body) == first, (i, code, body)  # the winner or its replay
            else:
                assert code == 409 and json.loads(body)["code"] == "idempotency_key_reused", (i, code, body)
