"""Sphinx extension: tell notebooks executed by this build that they are in the book build.

Kernels started by the build inherit this process's environment, so ``bptt.viz`` renders the
static (kernel-free) face of every explorable figure only when the book is built.
"""
import os


def setup(app):
    os.environ["BPTT_BOOK_BUILD"] = "1"
    return {"parallel_read_safe": True, "parallel_write_safe": True}
