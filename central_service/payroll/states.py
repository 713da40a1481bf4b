"""The batch's and the entries' states, and which action moves which state where: tables to read top down.

A batch is `open` while employees fill in and the agent reviews; the agent's submission freezes it
(`submitted`); the teller verifies or returns each entry and approves (`approved`), which opens the verified
entries' accounts in one core-banking call. An entry that the core refused is `failed` with the core's reason;
one the core could not reach stays `verified` and is retried with the same key. Collection at a kiosk is read
from the entry's appointment (redeemed), not stored twice.
"""

from __future__ import annotations

import enum

from central_service.payroll.errors import BatchFrozen, NotAllowedNow


class BatchState(enum.StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    APPROVED = "approved"


class EntryState(enum.StrEnum):
    FILLED = "filled"          # the employee sent the form; the agent may correct, remove or return it
    RETURNED = "returned"      # sent back with a reason (by the agent or the teller)
    REMOVED = "removed"        # taken out of the batch by the agent
    SUBMITTED = "submitted"    # frozen in the submitted batch, waiting for the teller
    VERIFIED = "verified"      # the teller compared it with the ID images
    OPENED = "opened"          # the core opened the account; the employee can collect the card
    FAILED = "failed"          # the core refused this employee (reason kept)


class Action(enum.StrEnum):
    REFILL = "refill"
    CORRECT = "correct"
    REMOVE = "remove"
    AGENT_RETURN = "agent_return"
    SUBMIT = "submit"
    VERIFY = "verify"
    TELLER_RETURN = "teller_return"
    OPEN = "open"
    REFUSE = "refuse"


E = EntryState
# (action, entry state) -> new entry state; the batch state each action needs is in BATCH_FOR.
ENTRY_MOVES: dict[tuple[Action, EntryState], EntryState] = {
    (Action.REFILL, E.RETURNED): E.FILLED,
    (Action.CORRECT, E.FILLED): E.FILLED,
    (Action.REMOVE, E.FILLED): E.REMOVED,
    (Action.REMOVE, E.RETURNED): E.REMOVED,
    (Action.AGENT_RETURN, E.FILLED): E.RETURNED,
    (Action.SUBMIT, E.FILLED): E.SUBMITTED,
    (Action.VERIFY, E.SUBMITTED): E.VERIFIED,
    (Action.VERIFY, E.VERIFIED): E.VERIFIED,
    (Action.TELLER_RETURN, E.SUBMITTED): E.RETURNED,
    (Action.TELLER_RETURN, E.VERIFIED): E.RETURNED,
    (Action.OPEN, E.VERIFIED): E.OPENED,
    (Action.REFUSE, E.VERIFIED): E.FAILED,
}

BATCH_FOR: dict[Action, BatchState] = {
    Action.REFILL: BatchState.OPEN,
    Action.CORRECT: BatchState.OPEN,
    Action.REMOVE: BatchState.OPEN,
    Action.AGENT_RETURN: BatchState.OPEN,
    Action.SUBMIT: BatchState.OPEN,
    Action.VERIFY: BatchState.SUBMITTED,
    Action.TELLER_RETURN: BatchState.SUBMITTED,
    Action.OPEN: BatchState.APPROVED,
    Action.REFUSE: BatchState.APPROVED,
}


def move(action: Action, batch: BatchState, entry: EntryState) -> EntryState:
    """The entry's next state. Raises BatchFrozen (an agent's change after submission) or NotAllowedNow."""
    if BATCH_FOR[action] is not batch:
        if BATCH_FOR[action] is BatchState.OPEN and batch is not BatchState.OPEN:
            raise BatchFrozen()
        raise NotAllowedNow(f"cannot {action} while the batch is {batch}")
    try:
        return ENTRY_MOVES[(action, entry)]
    except KeyError:
        raise NotAllowedNow(f"cannot {action} an entry that is {entry}") from None
