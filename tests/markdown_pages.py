"""Reading the book's MyST pages as text: which lines are prose, which are code or maths blocks."""
import re

FENCE = re.compile(r"^(?P<ticks>`{3,}|:{3,})(?P<info>.*)$")


def blank_blocks(text, skip_info, skip_option=None):
    """``text`` with the lines of some fenced blocks blanked (line numbers are kept).

    A block opens with ``` or ::: and an info string, and closes with the same fence alone.
    ``skip_info(info)`` says whether a block is blanked whole (code cells, code blocks, maths);
    ``skip_option(line)``, if given, blanks the rest of the innermost open block from an option
    line on (``:class: warning`` marks a source-correction box). Fence lines are blanked too.
    """
    keep, stack = [], []                         # open blocks: [fence, blanked]
    for line in text.split("\n"):
        m = FENCE.match(line.strip())
        if m:
            ticks, info = m.group("ticks"), m.group("info").strip()
            if stack and ticks == stack[-1][0] and not info:
                stack.pop()
                keep.append("")
                continue
            if info:
                stack.append([ticks, skip_info(info)])
                keep.append("")
                continue
        if stack and not stack[-1][1] and skip_option and skip_option(line.strip()):
            stack[-1][1] = True
        keep.append("" if any(blanked for _, blanked in stack) else line)
    return "\n".join(keep)


def is_code(info):
    """A code cell or a plain code block (a directive other than code-cell is prose)."""
    return info.startswith("{code-cell}") or not info.startswith("{")
