"""What ctest installed is what is tested: `cmake --install BUILD --component python` into a
scratch prefix (python/run_pytest.cmake) put the package on PYTHONPATH; the module imported here
must be that one, complete, and importable by a fresh interpreter."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

import syncdsp


def test_the_installed_package_is_the_one_imported():
    expected = os.environ.get("SYNCDSP_PYTHON_EXPECT_DIR")
    if not expected:
        pytest.skip("not run by ctest (SYNCDSP_PYTHON_EXPECT_DIR unset): the module may come from the build tree")
    assert Path(syncdsp.__file__).resolve().parent == Path(expected).resolve()
    installed = {p.name for p in Path(expected).iterdir()}
    assert "__init__.py" in installed and any(n.startswith("_syncdsp") and n.endswith(".so") for n in installed)


def test_a_fresh_interpreter_imports_it():
    r = subprocess.run([sys.executable, "-c", "import syncdsp, numpy; print(syncdsp.mfcc(numpy.zeros(1600) + 0.1).shape)"],
                       capture_output=True, text=True, cwd="/")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "(9, 13)"


def test_every_public_function_is_documented():
    for name in syncdsp.__all__:
        obj = getattr(syncdsp, name)
        assert obj.__doc__ and len(obj.__doc__) >= 30, name
    assert syncdsp.Error.__doc__ and issubclass(syncdsp.IoError, OSError)
    assert issubclass(syncdsp.Unsupported, NotImplementedError) and issubclass(syncdsp.ParseError, ValueError)
