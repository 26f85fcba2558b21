"""Two people, one task: one wins. And a process survives a restart of everything in memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from dgov.core.errors import ConflictError
from dgov.workflow import engine
from dgov.workflow.models import ProcessInstance, Task
from dgov.workflow.services import _save_step, task_complete
from dgov.workflow.tests.conftest import open_task


def _window_colleague(scjg):
    from dgov.accounts.services import role_grant, user_create

    user = user_create(actor=None, username="colleague", password="Colleague-pass-2025!", kind="staff", department=scjg)
    role_grant(actor=None, user=user, role="window_clerk", department=scjg)
    return user


def test_second_completion_is_a_conflict(case, clerk, scjg):
    """Deterministic on any database: the loser acts on a copy read before the winner committed."""
    colleague = _window_colleague(scjg)
    mine, theirs = open_task(case, "accept_step"), open_task(case, "accept_step")
    task_complete(actor=clerk, task=mine, data={"decision": "accept"})
    with pytest.raises(ConflictError) as exc:
        task_complete(actor=colleague, task=theirs, data={"decision": "refuse"})
    assert exc.value.status == 409
    assert exc.value.message == "This task was already completed by 黄嘉欣."
    case.refresh_from_db()
    assert case.status == ProcessInstance.Status.RUNNING
    assert open_task(case, "review_step").state == "ready"


def test_a_step_on_a_stale_version_is_a_conflict(case):
    stale = ProcessInstance.objects.get(pk=case.pk)
    ProcessInstance.objects.filter(pk=case.pk).update(version=stale.version + 1)
    with pytest.raises(ConflictError):
        _save_step(stale, engine.restore(stale.state))


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="threads racing on one row need a server database (DATABASE_URL=postgres://…)",
)
@pytest.mark.django_db(transaction=True)
def test_two_threads_complete_one_task_one_wins(case, clerk, scjg):
    colleague = _window_colleague(scjg)
    task = open_task(case, "accept_step")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(name, actor, decision):
        try:
            barrier.wait(timeout=10)
            task_complete(actor=actor, task=task, data={"decision": decision})
            outcomes[name] = "won"
        except ConflictError as exc:
            outcomes[name] = exc.code
        finally:
            connection.close()

    threads = [
        threading.Thread(target=attempt, args=("clerk", clerk, "accept")),
        threading.Thread(target=attempt, args=("colleague", colleague, "refuse")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["task_closed", "won"]
    task.refresh_from_db()
    winner = next(name for name, result in outcomes.items() if result == "won")
    assert task.completed_by.username == winner
    case.refresh_from_db()
    assert case.version == 2
    assert Task.objects.filter(instance=case, spec_id="accept_step").count() == 1


def test_resume_after_everything_in_memory_is_dropped(case, clerk, approver):
    task_complete(actor=clerk, task=open_task(case, "accept_step"), data={"decision": "accept"})
    pk = case.pk
    del case
    engine.clear_caches()  # parsed specs, serializer and schema validator are rebuilt from nothing

    instance = ProcessInstance.objects.get(pk=pk)
    assert instance.state["serializer_version"]
    task_complete(actor=approver, task=open_task(instance, "review_step"), data={})
    engine.clear_caches()
    done = task_complete(actor=approver, task=open_task(instance, "decide_step"), data={"decision": "approve"})
    assert (done.status, done.outcome) == (ProcessInstance.Status.COMPLETED, "concluded")


_RESUME = """
import json, sys, django
django.setup()
from dgov.workflow import engine
state_file, task_id, out_file = sys.argv[1:4]
run = engine.restore(json.loads(open(state_file, encoding="utf-8").read()))
ready = [t.id for t in run.human_tasks()]
assert ready == [task_id], ready
run.complete(task_id, {"decision": "accept"})
json.dump({"state": run.dump(), "ready": [t.spec_id for t in run.human_tasks()]}, open(out_file, "w", encoding="utf-8"))
"""


def test_state_resumes_in_a_fresh_interpreter(case, tmp_path: Path):
    """Another process (another web node, after a restart) continues from the stored state alone."""
    accept = open_task(case, "accept_step")
    state_file, out_file = tmp_path / "state.json", tmp_path / "out.json"
    state_file.write_text(json.dumps(ProcessInstance.objects.get(pk=case.pk).state), encoding="utf-8")
    subprocess.run(
        [sys.executable, "-c", _RESUME, str(state_file), str(accept.spiff_task_id), str(out_file)],
        check=True,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(settings.BASE_DIR)},
        timeout=60,
    )
    result = json.loads(out_file.read_text(encoding="utf-8"))
    assert result["ready"] == ["review_step"]
    # And back here, the state the other interpreter wrote runs on.
    run = engine.restore(result["state"])
    (review,) = run.human_tasks()
    assert (review.spec_id, review.role, review.days) == ("review_step", "approver", 10)
