"""Arrays as binary HTTP answers: little-endian bytes with their shape and dtype in headers."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import Response

MEDIA_TYPE = "application/octet-stream"


def array_response(array: np.ndarray, dtype: str) -> Response:
    """``array`` converted to ``dtype`` (e.g. ``"float32"``), C order, little-endian."""
    data = np.ascontiguousarray(array, dtype=np.dtype(dtype).newbyteorder("<"))
    headers = {"X-Shape": ",".join(str(n) for n in data.shape), "X-Dtype": np.dtype(dtype).name}
    return Response(content=data.tobytes(), media_type=MEDIA_TYPE, headers=headers)


def binary_doc(description: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` entry of an endpoint that answers with raw array bytes."""
    return {
        200: {
            "description": description,
            "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "X-Shape": {"description": "Comma-separated shape", "schema": {"type": "string"}},
                "X-Dtype": {"description": "NumPy dtype name", "schema": {"type": "string"}},
            },
        }
    }
