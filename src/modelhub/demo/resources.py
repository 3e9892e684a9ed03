"""The non-model kinds: dataset, notebook and application descriptions.

bioimage.io versions these types separately from models: the generation that goes with
model format 0.5 is format 0.3 for datasets, notebooks and applications. We write 0.3.0,
the first release of that generation, so older tools read it too; newer bioimageio.spec
versions update the patch version when loading.
"""

import json
from typing import Any

import numpy as np

from modelhub.demo.images import (
    cover_image,
    encode_png,
    nuclei_image,
    nuclei_labels,
    to_uint8,
)
from modelhub.demo.writer import (
    CITE_MODEL_ZOO,
    DEMO_TAGS,
    PackageWriter,
    common_metadata,
    demo_config,
    readme,
)

FORMAT_0_3 = "0.3.0"
N_DATASET_IMAGES = 3


def _description(resource_type: str, *, name: str, description: str) -> dict[str, Any]:
    return {
        "type": resource_type,
        "format_version": FORMAT_0_3,
        **common_metadata(name=name, description=description),
        "cite": [CITE_MODEL_ZOO],
    }


def build_dataset(writer: PackageWriter, *, kind: str, name: str, seed: int) -> dict[str, Any]:
    """A few synthetic nucleus images with foreground masks, as .npy plus PNG previews."""
    summary = (
        f"{N_DATASET_IMAGES} synthetic 64x64 fluorescence-like images of nuclei (Gaussian"
        " blobs on a noisy background) with foreground masks, generated from a seed."
    )
    attachments: list[dict[str, str]] = []
    images = [nuclei_image(seed * 1000 + index) for index in range(N_DATASET_IMAGES)]
    for index, image in enumerate(images):
        labels = nuclei_labels(image)
        attachments.append(writer.add_npy(f"image_{index}.npy", image))
        attachments.append(writer.add_npy(f"mask_{index}.npy", labels))
        attachments.append(writer.add_bytes(f"image_{index}.png", encode_png(to_uint8(image))))
    mosaic = np.hstack([to_uint8(image) for image in images[:2]])
    masks = np.hstack([to_uint8(nuclei_labels(image)) for image in images[:2]])
    writer.add_bytes("cover.png", encode_png(cover_image(mosaic, masks)))
    files = "\n".join(
        f"- `image_{i}.npy` (float32 intensities), `mask_{i}.npy` (uint16, 1 = nucleus),"
        f" `image_{i}.png` (8-bit preview)"
        for i in range(N_DATASET_IMAGES)
    )
    writer.add_text("README.md", readme(name, summary, {"Files": files}))
    rdf = _description("dataset", name=name, description="Example (demo content): " + summary)
    rdf["license"] = "CC0-1.0"
    rdf["tags"] = [*DEMO_TAGS, "nuclei", "fluorescence-light-microscopy", "2d", "synthetic"]
    rdf["attachments"] = attachments
    rdf["config"] = demo_config(kind, seed)  # free-form, so it goes last
    return rdf


def _notebook() -> dict[str, Any]:
    source = [
        "from bioimageio.spec import load_description\n",
        "\n",
        "model = load_description('rdf.yaml')  # a model package, e.g. a modelhub demo model\n",
        "print(model.name)",
    ]
    return {
        "cells": [
            {
                "cell_type": "markdown",
                "id": "intro",
                "metadata": {},
                "source": ["# Example notebook (demo)\n", "\n", "Loads a bioimage.io model."],
            },
            {
                "cell_type": "code",
                "execution_count": None,
                "id": "load-model",
                "metadata": {},
                "outputs": [],
                "source": source,
            },
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def build_notebook(writer: PackageWriter, *, kind: str, name: str, seed: int) -> dict[str, Any]:
    """A two-cell Jupyter notebook (nbformat 4.5) that loads a model with bioimageio.core."""
    summary = "A minimal Jupyter notebook that loads a bioimage.io model with bioimageio.core."
    notebook = json.dumps(_notebook(), indent=1, sort_keys=True) + "\n"
    writer.add_text("example_notebook.ipynb", notebook)
    image = to_uint8(nuclei_image(seed))
    writer.add_bytes("cover.png", encode_png(cover_image(image, image)))
    writer.add_text(
        "README.md",
        readme(name, summary, {"Usage": "Open `example_notebook.ipynb` in Jupyter."}),
    )
    rdf = _description("notebook", name=name, description="Example (demo content): " + summary)
    rdf["license"] = "MIT"
    rdf["tags"] = [*DEMO_TAGS, "notebook", "python", "bioimageio-core"]
    rdf["source"] = "example_notebook.ipynb"
    rdf["config"] = demo_config(kind, seed)  # free-form, so it goes last
    return rdf


_APP_SOURCE = '''\
"""Example bioimage.io application (modelhub demo): summarise a model package.

Usage: python show_model.py path/to/rdf.yaml
"""

import sys

from bioimageio.spec import load_description


def main() -> None:
    description = load_description(sys.argv[1])
    print(description.name)
    for tensor in getattr(description, "inputs", []):
        print("input:", tensor.id, [str(axis.id) for axis in tensor.axes])


if __name__ == "__main__":
    main()
'''


def build_application(writer: PackageWriter, *, kind: str, name: str, seed: int) -> dict[str, Any]:
    """A tiny Python command-line application that prints a model package's inputs."""
    summary = "A tiny command-line application that prints the name and inputs of a model package."
    writer.add_text("show_model.py", _APP_SOURCE)
    image = to_uint8(nuclei_image(seed))
    writer.add_bytes("cover.png", encode_png(cover_image(image, 255 - image)))
    writer.add_text(
        "README.md",
        readme(name, summary, {"Usage": "`python show_model.py path/to/rdf.yaml`"}),
    )
    rdf = _description("application", name=name, description="Example (demo content): " + summary)
    rdf["license"] = "MIT"
    rdf["tags"] = [*DEMO_TAGS, "application", "python", "command-line"]
    rdf["source"] = "show_model.py"
    rdf["config"] = demo_config(kind, seed)  # free-form, so it goes last
    return rdf
