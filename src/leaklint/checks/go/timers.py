"""The query both `time` rules use: LL202 `time.Tick` where its ticker cannot live for
ever, LL203 `time.After` in a loop.

Both create a timer the code can never stop. Before Go 1.23 the runtime keeps such a
timer until it fires (`time.After`) or for ever (`time.Tick`); since Go 1.23 unreferenced
timers are collected, so both rules drop their findings for modules whose go.mod says
`go 1.23` or later (``[options] collected = "drop"``).
"""

from __future__ import annotations


TIME_CALL = ("((call_expression function: (selector_expression operand: (identifier) @pkg"
         " field: (field_identifier) @fn)) @call (#eq? @pkg \"time\") (#eq? @fn \"%s\"))")
