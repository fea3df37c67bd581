"""Sphinx extension: give each figure that a notebook cell outputs its caption as alt text.

The chapters caption a figure with an italic paragraph right below the cell that draws it. Sphinx
would otherwise use the image's file name as its alt text, which tells a screen reader nothing.
"""

from docutils import nodes


def _caption_after(cell):
    following = cell.next_node(descend=False, siblings=True)
    if isinstance(following, nodes.paragraph) and len(following) == 1 and isinstance(following[0], nodes.emphasis):
        return following.astext()
    return None


def _alt_from_captions(app, doctree):
    for cell in doctree.findall(lambda node: isinstance(node, nodes.container) and "cell" in node["classes"]):
        caption = _caption_after(cell)
        for image in cell.findall(nodes.image):
            if caption and not image.get("alt"):
                image["alt"] = caption


def setup(app):
    app.connect("doctree-read", _alt_from_captions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
