"""Write citecheck/store/fresh.py (the SQL of a new database) from the migrations.

    python scripts/gen_fresh_schema.py

Run it after adding a migration to citecheck/store/schema.py.
"""

from pathlib import Path

from citecheck.store.schema import fresh_source

if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "citecheck" / "store" / "fresh.py"
    target.write_text(fresh_source(), encoding="utf-8")
    print(f"wrote {target}")
