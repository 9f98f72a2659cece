"""The server-side charts (svg.py): each says the unit of its figures, durations are
written in the page's language."""

from django.utils import translation

from openkreis.cockpit import svg


def test_charts_say_their_unit():
    rows = [("2026-01", 3), ("2026-02", 7)]
    for chart in (
        svg.bar_chart("Eingänge", rows, unit="Anzahl"),
        svg.line_chart("Bestand", rows, unit="Anzahl"),
        svg.hbar_chart("Liegezeit", rows, unit="Stunden"),
        svg.stacked_chart("Kanäle", ["2026-01"], [("Online", [3])], unit="Anzahl"),
    ):
        assert '<text class="unit"' in chart


def test_durations_in_the_language_of_the_page():
    with translation.override("de"):
        assert svg.duration(20) == "20 Stunden"
        assert svg.duration(1) == "1 Stunde"
        assert svg.duration(24 * 3.4) == "3,4 Tage"
    with translation.override("en"):
        assert svg.duration(24 * 3.4) == "3.4 days"
        assert svg.duration(20) == "20 hours"


def process_of(steps: int = 27, seed: int = 15):
    """A process like the imported logs' (27 activities): a main path, side branches,
    loops back (rework) and self-loops, with frequencies falling off along the way."""
    import random

    rng = random.Random(seed)
    nodes = [f"step_{i:02d}" for i in range(steps)]
    labels = {n: f"W_Beoordelen aanvraag fase {i} (controle)" for i, n in enumerate(nodes)}
    pairs = {(nodes[i], nodes[i + 1]) for i in range(steps - 1)}
    while len(pairs) < 50:  # skips ahead (1-3 steps) and rework (back 1-4 steps)
        a = rng.randrange(steps)
        b = a + rng.choice([2, 3, -1, -2, -3, -4])
        if 0 <= b < steps:
            pairs.add((nodes[a], nodes[b]))
    pairs |= {(nodes[4], nodes[4]), (nodes[11], nodes[11])}
    edges = [
        {
            "source": a,
            "target": b,
            "count": rng.randint(1, 400),
            "median_hours": rng.uniform(0, 200),
        }
        for a, b in sorted(pairs)
    ]
    return nodes, edges, labels


def _boxes(root, ns):
    out = []
    for rect in root.iter(f"{ns}rect"):
        if rect.get("class") == "node":
            x, y = float(rect.get("x")), float(rect.get("y"))
            out.append((x, y, x + float(rect.get("width")), y + float(rect.get("height"))))
    return out


def test_a_process_of_27_steps_is_laid_out_without_overlaps_or_clipping():
    """Issue 15: with 27 activities the labels overlapped and edges were clipped. Now no
    two steps overlap, no figure sits on a step or another figure, every line and figure
    lies inside the picture, and each line runs from its step to its step."""
    import re

    from defusedxml import ElementTree

    nodes, edges, labels = process_of()
    with translation.override("de"):
        markup = str(svg.process_graph("Prozess", nodes, edges, labels))
    ns = "{http://www.w3.org/2000/svg}"
    root = ElementTree.fromstring(markup)
    left, top, width, height = (float(v) for v in root.get("viewBox").split())
    right, bottom = left + width, top + height
    boxes = _boxes(root, ns)
    assert len(boxes) == 27
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    texts = []
    for text in root.iter(f"{ns}text"):
        if text.get("class") == "value":
            x, y = float(text.get("x")), float(text.get("y"))
            texts.append((x, y - 13, x + svg.CHAR_W * len(text.text), y + 3))
    assert len(texts) >= 20  # the frequent edges say their figures on the picture
    for i, a in enumerate(texts):
        assert left <= a[0] and a[2] <= right and top <= a[1] and a[3] <= bottom
        for b in texts[i + 1 :] + boxes:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)
    paths = [p for p in root.iter(f"{ns}path") if p.get("class") == "edge"]
    assert len(paths) == len(edges)
    by_name = {labels[n]: n for n in nodes}
    centre = {}
    for rect, box in zip(
        [r for r in root.iter(f"{ns}rect") if r.get("class") == "node"], boxes, strict=True
    ):
        del rect
        centre[box] = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    for path in paths:
        points = [tuple(map(float, p)) for p in re.findall(r"(-?[\d.]+),(-?[\d.]+)", path.get("d"))]
        assert all(left <= x <= right and top <= y <= bottom for x, y in points)
        source, target = path.find(f"{ns}title").text.split(":")[0].split(" → ")
        assert source in by_name and target in by_name

        def on_border(point):
            return any(
                b[0] - 1 <= point[0] <= b[2] + 1 and b[1] - 1 <= point[1] <= b[3] + 1 for b in boxes
            )

        assert on_border(points[0]) and on_border(points[-1])
    # readable on a desktop screen without zooming out far; a phone scrolls it in its box
    assert width <= 1600
    assert all(len(t.text) <= svg.NODE_CHARS for t in root.iter(f"{ns}text")
               if t.get("class") == "label")  # fmt: skip
