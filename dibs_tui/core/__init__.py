"""The Textual-free core: model, database access, meta tables, desired schema, diff, plan, migrations, editor.

Nothing below this package imports Textual, Rich or `dibs_tui.ui` (checked by import-linter in the tests).
"""

from . import dataclass_code

dataclass_code.install()  # before any of the package's dataclasses is made
