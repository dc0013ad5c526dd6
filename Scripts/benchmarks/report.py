"""One table on stdout and the same figures as JSON: sections of rows, each row
a measured value and/or a ratio, with its target and whether it was met."""
import json


class Report:
    def __init__(self, meta):
        self.meta = meta
        self.sections = []

    def section(self, title):
        self.sections.append({"title": title, "rows": [], "notes": []})

    def row(self, label, value=None, unit="", n=None, ratio=None, target=None, met=None, text=None, samples=None):
        """target is (operator, bound, unit), e.g. ("<=", 0.1, "x"); met is computed from it.
        samples, every repetition behind a median, go to the JSON only."""
        if target is not None and met is None:
            measured = ratio if target[2] == "x" else value
            if measured is not None:
                met = measured <= target[1] if target[0] == "<=" else measured < target[1]
        self.sections[-1]["rows"].append({
            "label": label, "n": n, "value": value, "unit": unit, "ratio": ratio,
            "target": None if target is None else format_target(target),
            "met": met, "text": text, "samples": samples})

    def note(self, text):
        self.sections[-1]["notes"].append(text)

    def json(self):
        return json.dumps({"meta": self.meta, "sections": self.sections}, indent=2)

    def table(self):
        widths = (50, 5, 12, 9, 11)
        lines = [
            f"dmsnap benchmarks ({self.meta['mode']} mode)",
            "Whole-command wall times, process start to exit, unless a row says otherwise; medians over interleaved repetitions",
            "(A, B, C, A, B, C, ...) after an untimed warm-up of each; ratios against the tools a user would otherwise use.",
            "",
            "  ".join(h.ljust(w) for h, w in zip(("measurement", "n", "median", "ratio", "target"), widths)) + "  result",
            "  ".join("-" * w for w in widths) + "  ------",
        ]
        for section in self.sections:
            lines.append(section["title"])
            for row in section["rows"]:
                value = row["text"] if row["text"] is not None else format_value(row["value"], row["unit"])
                result = "" if row["met"] is None else ("met" if row["met"] else "MISSED")
                cells = ("  " + row["label"], "" if row["n"] is None else str(row["n"]), value,
                         "" if row["ratio"] is None else f"{row['ratio']:.2f}x", row["target"] or "")
                lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + result)
            for note in section["notes"]:
                lines.append(f"  * {note}")
            lines.append("")
        missed = [f"{s['title'].split(' ', 1)[0]} {r['label'].strip()}" for s in self.sections for r in s["rows"] if r["met"] is False]
        lines.append(f"Targets missed: {len(missed)}" + (" - " + "; ".join(missed) if missed else " (all met)"))
        meta = self.meta
        lines += [
            f"Kernel {meta['kernel']}; {meta['virtualization']}; {meta['cpus']} CPUs, {meta['memory_gib']:.1f} GiB;"
            f" {meta['date']}; run took {meta['duration_s'] / 60:.1f} min.",
        ]
        return "\n".join(lines)


def format_target(target):
    operator, bound, unit = target
    if unit == "s":
        return f"{operator} {bound * 1000:g} ms"
    return f"{operator} {bound:g}{'' if unit == 'x' else ' '}{unit}"


def format_value(value, unit):
    if value is None:
        return ""
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MiB":
        return f"{value:.1f} MiB"
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "IOPS":
        return f"{value:,.0f} IOPS"
    return f"{value:g} {unit}".strip()
