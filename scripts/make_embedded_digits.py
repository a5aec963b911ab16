"""Write the embedded offline digits (src/neuronlab/data/digits) from the MNIST test files.

    python scripts/make_embedded_digits.py FOLDER

FOLDER holds ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` as published
(`neuronlab data fetch mnist` puts them in the cache). Their SHA-256 sums are checked first,
so the package only ever ships real MNIST digits. The output is byte for byte reproducible;
the script prints the sums to pin in ``neuronlab/data/embedded.py``.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from neuronlab.data import embedded, read_idx, sources, write_idx


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    source = Path(argv[0])
    pinned = {spec.name: spec.sha256 for spec in sources.MNIST.files}
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if hashlib.sha256((source / name).read_bytes()).hexdigest() != pinned[name]:
            print(f"{source / name} is not the published MNIST file", file=sys.stderr)
            return 1
    images, labels = embedded.select(
        read_idx(source / "t10k-images-idx3-ubyte.gz"),
        read_idx(source / "t10k-labels-idx1-ubyte.gz"),
    )
    out = embedded.folder()
    out.mkdir(parents=True, exist_ok=True)
    for name, array in ((embedded.IMAGES, images), (embedded.LABELS, labels)):
        write_idx(out / name, array)
        print(f'{name}: "{hashlib.sha256((out / name).read_bytes()).hexdigest()}"')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
