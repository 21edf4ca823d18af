"""plugrad's built-in op families, one module each.

Each family module defines its ``Function`` classes (each declared once, on its class
statement) and their typed wrappers.  ``families`` holds one plugin per module, and plugrad's
own ``pyproject.toml`` names each as an entry point, so the built-in ops reach the registry
exactly the way a third party's do.
"""
