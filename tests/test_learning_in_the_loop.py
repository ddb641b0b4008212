"""What people teach Baton shows up in what Claude is told, per person."""

from __future__ import annotations

from tests.world import ALICE, BOB, CHANNEL, World, block_texts

ASK = "write a launch note for the new export feature, for customers"


def system_of_last_draft(world: World) -> str:
    drafts = [c for c in world.claude.message_calls() if not c.body.get("tools")]
    system = drafts[-1].body["system"]
    return system if isinstance(system, str) else " ".join(b["text"] for b in system)


def test_a_person_who_trims_gets_short_instructions_and_another_does_not(world: World) -> None:
    """After Alice trims three drafts, her drafts are asked short; Bob's are not."""
    for round_ in range(3):
        ts = world.mention(f"{ASK} #{round_}", user=ALICE)
        [draft] = world.wait_for_drafts(ts, 1)
        world.slack.add_reaction(ALICE, CHANNEL, draft.ts, "scissors")
        world.wait_for_drafts(ts, 2)
    ts = world.mention(ASK + " again", user=ALICE)
    [alice_draft] = world.wait_for_drafts(ts, 1)
    alice_system = system_of_last_draft(world)
    assert "short" in alice_system.lower()
    assert "Adapted to you:" in block_texts(alice_draft)
    assert "trimmed" in block_texts(alice_draft)

    ts = world.mention(ASK + " again", user=BOB)
    [bob_draft] = world.wait_for_drafts(ts, 1)
    bob_system = system_of_last_draft(world)
    assert bob_system != alice_system
    assert "learned from their feedback" not in bob_system
    assert "Adapted to you:" not in block_texts(bob_draft)


def test_replies_teach_format_and_tone(world: World) -> None:
    """Replies asking for bullets and a formal tone shape the next request's instructions."""
    ts = world.mention(ASK, user=BOB)
    world.wait_for_drafts(ts, 1)
    world.reply(ts, "use bullet points please, and a more formal tone", user=BOB)
    world.wait_for_drafts(ts, 2)
    world.reply(ts, "still too casual; bullets are good", user=BOB)
    world.wait_for_drafts(ts, 3)
    ts = world.mention(ASK + " for partners", user=BOB)
    world.wait_for_drafts(ts, 1)
    system = system_of_last_draft(world).lower()
    assert "bullet" in system and "formal" in system
