"""The web lab: a FastAPI server that loads data, trains models and streams their progress.

The page itself (``static/``) computes what is cheap in the browser; this
package serves the dataset and saved models as binary arrays and runs training
jobs in the background.
"""

from neuronlab.web.app import create_app, serve

__all__ = ["create_app", "serve"]
