"""Hand-offs as pure functions: question identity, the brief's pickers, answers closing
questions, what Baton says in the thread, and the "Needs your decision" section."""

from __future__ import annotations

from bot.constants import ACTION_HANDOFF
from bot.domain.brief import Brief
from bot.domain.handoff import (
    HANDOFF_LIMIT,
    Answered,
    QuestionBoard,
    ask_text,
    decision_blocks,
    find_question,
    first_mention,
    handed_on_text,
    handoff_block_id,
    parse_handoff_block_id,
    question_blocks,
    question_key,
    with_answers,
)
from sandbox.slack._blocks import validate_blocks


def brief(*questions: str, constraints: list[str] | None = None) -> Brief:
    return Brief(
        goal="a launch plan",
        audience="the team",
        deliverable="a plan",
        constraints=constraints or [],
        open_questions=list(questions),
        actionable=True,
    )


def test_a_question_s_key_ignores_spacing_and_case() -> None:
    assert question_key("Which  markets?") == question_key("which markets? ")
    assert question_key("Which markets?") != question_key("Which dates?")
    assert len(question_key("x")) == 12


def test_block_ids_round_trip_and_junk_is_refused() -> None:
    block_id = handoff_block_id(42, "Which markets?")
    assert parse_handoff_block_id(block_id) == (42, question_key("Which markets?"))
    for junk in (None, 7, "", "handoff:x:abc", "handoff:1:" + "g" * 12, "brief_actions"):
        assert parse_handoff_block_id(junk) is None


def test_the_first_person_mentioned_is_suggested_not_baton() -> None:
    text = "<@UBATON> ask <@UBOB|bob> and <@UCAROL> about it"
    assert first_mention(text, exclude={"UBATON"}) == "UBOB"
    assert first_mention("ask <@UBATON>", exclude={"UBATON"}) is None
    assert first_mention("no one <!here>", exclude=set()) is None


def test_an_answer_moves_its_question_into_the_constraints_once() -> None:
    """The question leaves the open ones; `question → answer` joins the constraints; applying
    the same answer again (a brief written again) changes nothing."""
    answered = [Answered("Which markets?", "EU,\n then UK", "UBOB")]
    before = brief("Which markets?", "When?", constraints=["Under 200 words"])
    after = with_answers(before, answered)
    assert after.open_questions == ["When?"]
    assert after.constraints == ["Under 200 words", "Which markets? → EU, then UK"]
    again = with_answers(after.model_copy(update={"open_questions": ["which markets?"]}), answered)
    assert again.open_questions == [] and again.constraints == after.constraints
    assert find_question(after, question_key("When?")) == "When?"
    assert find_question(after, question_key("Which markets?")) is None


def test_answers_are_kept_when_the_constraints_are_full() -> None:
    full = brief("Q?", constraints=[f"c{i}" for i in range(15)])
    after = with_answers(full, [Answered("Q?", "A" * 900, "UBOB")])
    assert len(after.constraints) == 15 and after.constraints[-1].startswith("Q? → AAA")
    assert len(after.constraints[-1]) <= 500
    assert Brief.model_validate(after.model_dump()) == after


def test_each_question_gets_a_picker_holder_first_then_the_suggestion() -> None:
    """Held questions preselect their holder; others the person the request mentions."""
    questions = [f"Question {i}?" for i in range(8)]
    board = QuestionBoard(
        request_id=7,
        holders={question_key("Question 1?"): "UCAROL"},
        answered=(Answered("Earlier?", "yes", "UBOB"),),
        suggested="UBOB",
    )
    blocks = question_blocks(brief(*questions), board)
    assert validate_blocks(blocks) == []
    pickers = [b for b in blocks if b.get("accessory", {}).get("type") == "users_select"]
    assert len(pickers) == HANDOFF_LIMIT
    assert all(p["accessory"]["action_id"] == ACTION_HANDOFF for p in pickers)
    assert [p["accessory"].get("initial_user") for p in pickers[:2]] == ["UBOB", "UCAROL"]
    assert "_Held by <@UCAROL>_" in pickers[1]["text"]["text"]
    assert "_Not handed off_" in pickers[0]["text"]["text"]
    shown = str(blocks)
    assert "Question 7?" in shown and "More open questions" in shown
    assert "answered by <@UBOB>" in shown
    assert len({p["block_id"] for p in pickers}) == HANDOFF_LIMIT


def test_fifteen_questions_and_hostile_text_still_fit_a_message() -> None:
    questions = [f"<!channel> {'q' * 480} {i}?" for i in range(15)]
    blocks = question_blocks(brief(*questions), QuestionBoard(request_id=1, holders={}))
    assert validate_blocks(blocks) == [] and "<!channel>" not in str(blocks)


def test_the_same_question_twice_gets_one_picker() -> None:
    """Questions differing only in spacing or case are one (Slack refuses repeated block ids)."""
    blocks = question_blocks(
        brief("Which markets?", "which  markets?"), QuestionBoard(request_id=1, holders={})
    )
    assert validate_blocks(blocks) == [] and str(blocks).count("users_select") == 1


def test_without_hand_offs_the_questions_are_a_plain_list() -> None:
    """In a DM (or with no board) nobody else can answer: no pickers."""
    disabled = QuestionBoard(request_id=1, holders={}, enabled=False)
    for board in (None, disabled):
        blocks = question_blocks(brief("Which markets?"), board)
        assert "users_select" not in str(blocks) and "Which markets?" in str(blocks)
    assert question_blocks(brief(), None) == []


def test_the_ask_mentions_only_the_holder_and_the_handed_on_note_no_one() -> None:
    asked = ask_text(holder="UCAROL", assigned_by="UALICE", question="Q?", previous="UBOB")
    assert asked.startswith("<@UCAROL>, <@UALICE> handed you") and "UBOB" not in asked
    assert "someone else before" in asked
    assert "you took" in ask_text(holder="UA", assigned_by="UA", question="Q?", previous=None)
    assert "<@" not in handed_on_text(question="Q? <@UBOB>")  # escaped: pings no one


def test_the_decision_section_links_each_question() -> None:
    assert decision_blocks([]) == []
    [section] = decision_blocks([("Which <markets>?", "https://x/p1")])
    assert "*Needs your decision*" in section["text"]["text"]
    assert "<https://x/p1|Which &lt;markets&gt;?>" in section["text"]["text"]
    many = decision_blocks([(f"q{i}", f"https://x/{i}") for i in range(20)])
    assert "…and 5 more" in many[0]["text"]["text"]
