"""plugrad's built-in op families, one module each; every module is also a plugin.

Each family module defines its ``Function`` classes, their typed wrappers, and a
``plugrad_register_ops`` hook implementation.  plugrad's own ``pyproject.toml`` names each
module as an entry point, so the built-in ops reach the registry exactly the way a third
party's do.
"""
