"""Auto-mod's state: word lists, violations that escalate and expire, the audit, on both
databases and across a restart (a new container on the same database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from support import Tenant
from wavestack.bootstrap import Container
from wavestack.kernel.errors import NotFound, ValidationFailed
from wavestack.services.auto_mod import Judgement, ModerationSettings
from wavestack.services.auto_mod import service as moderation

NOW = datetime(2026, 11, 2, 20, 0, tzinfo=UTC)
FLAGGED = Judgement(violations=["toxicity"], scores={"toxicity": 0.97}, reason="toxicity 0.97")
LADDER = ModerationSettings(auto_timeout=True, auto_ban=True, violations_for_ban=4)


def message(user: str = "troll", text_: str = "you idiot") -> moderation.Message:
    return moderation.Message("twitch", "chan", user, user.title(), text_)


def decide(
    container: Container, org_id: str, at: datetime, **kwargs: object
) -> moderation.Decision:
    settings = kwargs.pop("settings", LADDER)
    return moderation.decide(
        container.uow(),
        org_id=org_id,
        message=message(**kwargs),  # type: ignore[arg-type]
        judgement=FLAGGED,
        settings=settings,  # type: ignore[arg-type]
        now=at,
    )


def test_word_lists(container: Container, tenant: Tenant, other_tenant: Tenant) -> None:
    assert (
        moderation.add_terms(
            container.uow(), org_id=tenant.org_id, kind="word", terms=["Noob", "noob ", "bot"]
        )
        == 2
    )
    assert (
        moderation.add_terms(container.uow(), org_id=tenant.org_id, kind="word", terms=["bot"]) == 0
    )
    moderation.add_terms(container.uow(), org_id=tenant.org_id, kind="phrase", terms=["go away"])
    listed = moderation.list_terms(container.uow(write=False), org_id=tenant.org_id)
    assert listed == {"words": ["bot", "noob"], "phrases": ["go away"]}
    assert moderation.list_terms(container.uow(write=False), org_id=other_tenant.org_id) == {
        "words": [],
        "phrases": [],
    }
    assert (
        moderation.remove_terms(container.uow(), org_id=tenant.org_id, kind="word", terms=["BOT"])
        == 1
    )
    with pytest.raises(ValidationFailed):
        moderation.add_terms(container.uow(), org_id=tenant.org_id, kind="emoji", terms=["x"])
    with pytest.raises(ValidationFailed):
        moderation.add_terms(container.uow(), org_id=tenant.org_id, kind="word", terms=["  "])


def test_the_ladder_escalates_and_violations_expire(container: Container, tenant: Tenant) -> None:
    steps = [decide(container, tenant.org_id, NOW + timedelta(minutes=i)) for i in range(5)]
    assert [(d.action, d.duration_seconds) for d in steps] == [
        ("warn", 0),
        ("timeout", 5),
        ("timeout", 600),
        ("ban", 0),
        ("ban", 0),
    ]
    assert steps[3].should_ban
    assert steps[1].should_timeout
    assert all(d.should_delete for d in steps)
    # A day later the slate is clean.
    later = decide(container, tenant.org_id, NOW + timedelta(hours=25))
    assert (later.action, later.violations_in_window) == ("warn", 1)
    # Another chatter starts at the bottom.
    assert decide(container, tenant.org_id, NOW, user="someone").action == "warn"


def test_the_seed_defaults_only_delete(container: Container, tenant: Tenant) -> None:
    defaults = ModerationSettings()
    for _ in range(6):
        decision = decide(container, tenant.org_id, NOW, settings=defaults)
        assert (decision.action, decision.should_timeout, decision.should_ban) == (
            "delete",
            False,
            False,
        )
    quiet = decide(container, tenant.org_id, NOW, settings=ModerationSettings(auto_delete=False))
    assert quiet.action == "none"
    assert quiet.audit_seq is not None  # still audited


def test_a_clean_message_is_not_recorded(container: Container, tenant: Tenant) -> None:
    clean = moderation.decide(
        container.uow(),
        org_id=tenant.org_id,
        message=message(),
        judgement=Judgement(),
        settings=LADDER,
    )
    assert clean.action == "none"
    assert clean.audit_seq is None


def test_state_survives_a_restart_and_undo_keeps_the_audit(
    container: Container, tenant: Tenant, settings: object, namespace: str
) -> None:
    from wavestack.bootstrap import bootstrap

    first = decide(container, tenant.org_id, NOW)
    decide(container, tenant.org_id, NOW)
    restarted = bootstrap(settings, namespace=f"{namespace}-2")  # type: ignore[arg-type]
    try:
        third = decide(restarted, tenant.org_id, NOW)
        assert third.violations_in_window == 3
        assert first.audit_seq is not None
        moderation.undo(
            restarted.uow(),
            org_id=tenant.org_id,
            seq=first.audit_seq,
            by="mod",
            false_positive=True,
        )
        with pytest.raises(NotFound):
            moderation.undo(
                restarted.uow(),
                org_id=tenant.org_id,
                seq=first.audit_seq,
                by="mod",
                false_positive=True,
            )
        assert (
            moderation.active_violations(
                restarted.uow(write=False), org_id=tenant.org_id, user_id="troll", now=NOW
            )
            == 2
        )
        with restarted.uow(write=False) as uow:
            kept = uow.session.execute(
                text(
                    "SELECT undone_by, false_positive, message FROM auto_mod_audit WHERE seq = :s"
                ),
                {"s": first.audit_seq},
            ).one()
        assert (kept.undone_by, bool(kept.false_positive), kept.message) == (
            "mod",
            True,
            "you idiot",
        )
    finally:
        restarted.close()


def test_another_org_cannot_undo(
    container: Container, tenant: Tenant, other_tenant: Tenant
) -> None:
    decision = decide(container, tenant.org_id, NOW)
    assert decision.audit_seq is not None
    with pytest.raises(NotFound):
        moderation.undo(
            container.uow(),
            org_id=other_tenant.org_id,
            seq=decision.audit_seq,
            by="x",
            false_positive=False,
        )


def test_install_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WAVESTACK_AUTO_MOD_LADDER", "warn, timeout:30, ban")
    monkeypatch.setenv("WAVESTACK_AUTO_MOD_ALLOWED_DOMAINS", "www.YouTube.com, twitch.tv")
    monkeypatch.setenv("WAVESTACK_AUTO_MOD_TOXICITY_THRESHOLD", "0.5")
    settings = ModerationSettings()
    assert settings.ladder == ["warn", "timeout:30", "ban"]
    assert settings.allowed_domains == ["youtube.com", "twitch.tv"]
    assert settings.toxicity_threshold == 0.5
    assert moderation.escalate(settings.with_overrides({"auto_timeout": True}), 2) == (
        "timeout",
        30,
    )
    monkeypatch.setenv("WAVESTACK_AUTO_MOD_LADDER", "warn, explode")
    with pytest.raises(ValueError, match="explode"):
        ModerationSettings()


def test_channel_overrides_are_checked() -> None:
    defaults = ModerationSettings()
    with pytest.raises(ValidationFailed, match="unknown settings: speed"):
        defaults.with_overrides({"speed": 2})
    with pytest.raises(ValidationFailed, match="ladder"):
        defaults.with_overrides({"ladder": ["timeout"]})  # a timeout needs its seconds
    assert defaults.with_overrides({"nsfw_classes": ["anus_exposed"]}).nsfw_classes == [
        "ANUS_EXPOSED"
    ]
