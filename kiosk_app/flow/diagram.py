"""Draw the journey table as a Mermaid state diagram: `python -m kiosk_app.flow.diagram > docs/journey.md`."""

from __future__ import annotations

from kiosk_app.flow.table import HAPPY_PATH, TABLE


def mermaid() -> str:
    lines = ["stateDiagram-v2", "    [*] --> idle"]
    for state, edges in TABLE.items():
        for key, edge in edges.items():
            for target in edge.targets:
                lines.append(f"    {state.value} --> {target.value}: {key}")
    lines.append("    thank_you --> [*]")
    return "\n".join(lines)


def document() -> str:
    happy = " → ".join(s.value for s in HAPPY_PATH)
    return f"""# The customer journey

Generated from `kiosk_app/flow/table.py` by `python -m kiosk_app.flow.diagram`; a test keeps it current.

Happy path (appointment, full bundle): {happy}.

Not drawn, because every state has them: `touch:cancel` → safe exit to idle (card retracted, data wiped,
appointment left redeemable when nothing was opened); a step timeout → "are you still there?" (≥ 20 s to
answer, ≥ 10 extensions) → safe exit; staying on a step with an error key; calling a lobby manager
(`staff_needed`) when a device or the central service needs a person.

```mermaid
{mermaid()}
```
"""


if __name__ == "__main__":
    print(document(), end="")
