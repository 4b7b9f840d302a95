"""salesplan: plans as code for sales teams."""

__version__ = "0.1.0"
