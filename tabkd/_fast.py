"""Compile a LightGBM booster to a shared library and call it through ctypes.

Treelite reads the booster and tl2cgen writes one C function per model,
``predict(union Entry *row, int pred_margin, double *out)``, that walks every
tree for one row. tabkd adds a small C loop around it,
``tabkd_predict(const double *X, long n_rows, double *out)``, that takes a
plain row-major float64 matrix (NaN = missing) and writes raw scores. The
result is a library that needs neither treelite, tl2cgen nor tabkd to run:
only ``ctypes`` and a float64 buffer.

Why not ``tl2cgen.Predictor``: it wraps every call in a ``DMatrix`` and a
thread pool, which costs about 20 µs per single row on this machine while the
trees themselves take about 1 µs.
"""

import contextlib
import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

# The generated code marks a missing value through the ``int missing`` member
# of its ``union Entry`` (-1 = missing). The loop below sets it for NaN, so the
# caller only ever writes NaN.
_BATCH_SOURCE = r"""
#include <math.h>
#include "header.h"

void tabkd_predict(const double *X, long n_rows, long n_features,
                   long n_outputs, double *out) {
  union Entry row[n_features];
  for (long i = 0; i < n_rows; ++i) {
    const double *x = X + i * n_features;
    double *result = out + i * n_outputs;
    for (long j = 0; j < n_features; ++j) {
      if (isnan(x[j])) {
        row[j].missing = -1;
      } else {
        row[j].fvalue = x[j];
      }
    }
    /* The generated predict adds into its output: start from zero. */
    for (long k = 0; k < n_outputs; ++k) {
      result[k] = 0.0;
    }
    predict(row, 1, result);
  }
}
"""

COMPILERS = ("gcc", "cc", "clang")


def find_compiler():
    """Return the path of the first C compiler found on ``PATH``, or None."""
    for name in COMPILERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def compile_booster(model_string, n_classes, libpath, compiler=None):
    """Compile a LightGBM model (as text) into a shared library.

    Parameters
    ----------
    model_string : str
        ``Booster.model_to_string()`` of the student. A multiclass student
        trained with a custom objective has no objective line, which treelite
        needs; ``multiclass`` is declared for it (only raw margins are read,
        so the declared link never runs).
    n_classes : int
        Number of classes of the student (2 for binary).
    libpath : path-like
        Where to write the library.
    compiler : str or None, default=None
        C compiler; the first of ``gcc``, ``cc``, ``clang`` found otherwise.

    Returns
    -------
    n_outputs : int
        Raw scores written per row (1 for binary, ``n_classes`` otherwise).
    """
    import tl2cgen
    import treelite

    compiler = compiler or find_compiler()
    if compiler is None:
        raise RuntimeError(
            "format='compiled' needs a C compiler on PATH (looked for "
            f"{', '.join(COMPILERS)}); install one (for example "
            "'apt-get install gcc') or export with format='lightgbm' or 'onnx'."
        )
    if n_classes > 2 and "\nobjective=" not in model_string:
        model_string = model_string.replace(
            f"\nnum_class={n_classes}\n",
            f"\nnum_class={n_classes}\nobjective=multiclass num_class:{n_classes}\n",
            1,
        )
    with tempfile.TemporaryDirectory(prefix="tabkd_compile_") as tmp:
        model_file = Path(tmp) / "model.txt"
        model_file.write_text(model_string)
        source_dir = Path(tmp) / "src"
        # treelite's and tl2cgen's C loggers print progress and a version
        # notice straight to the process's stdout, which would corrupt
        # machine-readable output such as `tabkd distill --json`.
        with _native_output_captured(Path(tmp) / "native.log"):
            model = treelite.frontend.load_lightgbm_model(str(model_file))
            tl2cgen.generate_c_code(model, dirpath=str(source_dir), params={})
        (source_dir / "tabkd_batch.c").write_text(_BATCH_SOURCE)
        sources = sorted(str(p) for p in source_dir.glob("*.c"))
        # -O2 rather than -O3: the generated code is one long branch nest per
        # tree, where -O3 mostly adds compile time.
        command = [compiler, "-O2", "-std=c99", "-shared", "-fPIC", "-o",
                   str(libpath), *sources, "-lm"]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(
                f"Compiling the student with {compiler} failed:\n{done.stderr}"
            )
    return 1 if n_classes == 2 else n_classes


@contextlib.contextmanager
def _native_output_captured(log_path):
    """Send what native code writes to file descriptors 1 and 2 to a file.

    When the block fails, the captured text goes into the error, so nothing
    useful is lost.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(log_path, "w+b") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        except Exception as exc:
            log.seek(0)
            captured = log.read().decode(errors="replace").strip()
            raise RuntimeError(
                f"Generating C code for the student failed: {exc}\n"
                f"treelite/tl2cgen output:\n{captured}"
            ) from exc
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


class CompiledTrees:
    """Raw scores from a library written by :func:`compile_booster`.

    Parameters
    ----------
    libpath : path-like
        The shared library.
    n_features : int
        Width of the float64 rows it reads.
    n_outputs : int
        Raw scores per row.
    """

    def __init__(self, libpath, n_features, n_outputs):
        self._lib = ctypes.CDLL(os.fspath(libpath))
        fn = self._lib.tabkd_predict
        fn.restype = None
        fn.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_long,
                       ctypes.c_long, ctypes.c_void_p]
        self._fn = fn
        self.n_features = int(n_features)
        self.n_outputs = int(n_outputs)
        # Buffers for one row, allocated once so that a single-row call does
        # no allocation before the C call.
        self.row = np.empty(self.n_features, dtype=np.float64)
        self._row_out = np.empty(self.n_outputs, dtype=np.float64)
        self._row_ptr = self.row.ctypes.data
        self._row_out_ptr = self._row_out.ctypes.data

    def raw(self, X):
        """Raw scores of shape (n_rows, n_outputs) for a float64 matrix."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        out = np.empty((X.shape[0], self.n_outputs), dtype=np.float64)
        self._fn(X.ctypes.data, X.shape[0], self.n_features, self.n_outputs,
                 out.ctypes.data)
        return out

    def raw_row(self):
        """Raw scores of the row currently in :attr:`row` (a view; copy it)."""
        self._fn(self._row_ptr, 1, self.n_features, self.n_outputs,
                 self._row_out_ptr)
        return self._row_out


def describe_toolchain(compiler=None):
    """Versions worth recording next to a compiled library."""
    compiler = compiler or find_compiler()
    info = {"compiler": compiler, "compiler_version": None}
    if compiler:
        done = subprocess.run([compiler, "--version"], capture_output=True,
                              text=True)
        lines = done.stdout.splitlines()
        info["compiler_version"] = lines[0] if lines else None
    return info
