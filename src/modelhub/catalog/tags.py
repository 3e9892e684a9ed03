"""The hub's tag vocabulary: common bioimage tags, and the synonyms that mean one of them.

Packages keep the tags they were uploaded with; the catalog's listing and the search index hold
each tag in its canonical form (``nucleus`` → ``nuclei``, ``EM`` → ``electron-microscopy``),
so that a filter by either word finds both and a facet counts them once."""

from __future__ import annotations

from collections.abc import Iterable

VOCABULARY: tuple[str, ...] = (
    # tasks
    "segmentation", "instance-segmentation", "semantic-segmentation", "denoising",
    "restoration", "deconvolution", "super-resolution", "classification", "detection",
    "tracking", "registration", "pixel-classification", "image-reconstruction",
    "image-to-image", "boundary-prediction",
    # what is imaged
    "nuclei", "cells", "membranes", "mitochondria", "cell-membrane", "tissue", "neurons",
    "bacteria", "yeast", "organoids", "zebrafish", "drosophila", "arabidopsis", "histology",
    # how it is imaged
    "fluorescence-light-microscopy", "electron-microscopy", "brightfield", "phase-contrast",
    "light-sheet-microscopy", "confocal-microscopy", "widefield-microscopy",
    "super-resolution-microscopy", "digital-pathology",
    # dimensions
    "2d", "3d", "time-lapse",
    # architectures and frameworks
    "unet", "stardist", "cellpose", "n2v", "care", "pytorch", "tensorflow", "keras", "onnx",
    # where it runs
    "ilastik", "deepimagej", "fiji", "imagej", "napari", "zerocostdl4mic", "biapy",
    "qupath", "icy",
)  # fmt: skip

SYNONYMS: dict[str, str] = {
    "nucleus": "nuclei",
    "nuclear-segmentation": "nuclei",
    "cell": "cells",
    "membrane": "membranes",
    "neuron": "neurons",
    "mitochondrion": "mitochondria",
    "em": "electron-microscopy",
    "electron microscopy": "electron-microscopy",
    "fluorescence": "fluorescence-light-microscopy",
    "fluorescence-microscopy": "fluorescence-light-microscopy",
    "fluorescence microscopy": "fluorescence-light-microscopy",
    "light-microscopy": "fluorescence-light-microscopy",
    "bright-field": "brightfield",
    "light-sheet": "light-sheet-microscopy",
    "lightsheet": "light-sheet-microscopy",
    "confocal": "confocal-microscopy",
    "widefield": "widefield-microscopy",
    "2d-image": "2d",
    "3d-image": "3d",
    "u-net": "unet",
    "unet2d": "unet",
    "unet3d": "unet",
    "noise2void": "n2v",
    "torch": "pytorch",
    "instance segmentation": "instance-segmentation",
    "semantic segmentation": "semantic-segmentation",
    "image-restoration": "restoration",
    "image restoration": "restoration",
    "image-denoising": "denoising",
    "image-segmentation": "segmentation",
    "deepimage-j": "deepimagej",
    "timelapse": "time-lapse",
}


def canonical(tag: str) -> str:
    """The tag as the listing and the index keep it: trimmed, lower-case, a synonym replaced by
    the vocabulary's word (at most 128 characters)."""
    folded = " ".join(tag.strip().lower().split())
    return SYNONYMS.get(folded, folded)[:128]


def canonical_tags(tags: Iterable[str]) -> list[str]:
    """Each tag's canonical form once, in the order given; blank ones dropped."""
    return list(dict.fromkeys(canonical(t) for t in tags if isinstance(t, str) and t.strip()))


def synonyms_of(tag: str) -> list[str]:
    """The other words that mean ``tag`` (its canonical form's synonyms)."""
    word = canonical(tag)
    return sorted(s for s, c in SYNONYMS.items() if c == word)


def suggestions(used: Iterable[str], *, limit: int = 200) -> list[str]:
    """What a tag field suggests: the vocabulary, then the hub's own tags (``used``, most used
    first) that it does not hold yet."""
    out = dict.fromkeys(VOCABULARY)
    for tag in used:
        out.setdefault(canonical(tag))
    return list(out)[:limit]
