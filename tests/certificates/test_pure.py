"""The signer, the credential, the key file and the PDF are pure: no Flask, no database (usable from any script)."""

import subprocess
import sys

import pytest

PURE = ("lms.certificates.signing", "lms.certificates.credential", "lms.certificates.keys", "lms.certificates.pdf")


@pytest.mark.parametrize("module", PURE)
def test_imports_no_flask_and_no_database(module):
    probe = f"import sys, {module}; print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')"
    probe += " or m == 'lms.extensions'))"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert found == "[]", f"{module} pulls in {found}"
