""" "How to use": what each consumer software needs to run a version, said honestly.

Each consumer is offered only for the weight formats it can run; the others are named with
the reason. Published versions are reachable by id through the hub's ``id_map.json`` and
``/artifacts/`` URLs; an open draft only through its zip (downloading it needs a login)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from modelhub.web.ids import file_stem

DEEPIMAGEJ_FORMATS = ("torchscript", "tensorflow_saved_model_bundle", "onnx")
ILASTIK_FORMATS = ("pytorch_state_dict", "torchscript", "onnx")
BIAPY_FORMATS = ("pytorch_state_dict",)
BIOENGINE_FORMATS = ("torchscript", "onnx", "tensorflow_saved_model_bundle")
ZEROCOST_TAGS = {"zerocostdl4mic", "zero-cost-dl4mic", "zerocost"}


class HowTo(BaseModel):
    """One way to use the resource: steps in words and, where it helps, code to copy."""

    key: str
    title: str
    steps: list[str]
    code: str | None = None


class Unavailable(BaseModel):
    key: str
    title: str
    reason: str


class HowToUse(BaseModel):
    ways: list[HowTo]
    unavailable: list[Unavailable]


@dataclass(frozen=True)
class Target:
    """What the instructions point at: the version, its URLs and its weight formats."""

    resource_id: str
    label: str
    published: bool
    type: str
    id_map_url: str  # BIOIMAGEIO_ID_MAP
    collection_pattern: str  # BIOIMAGEIO_COLLECTION_HTTP_PATTERN
    rdf_url: str
    package_url: str
    weight_formats: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def source(self) -> str:
        """The id the bioimageio tools resolve: ``<id>/v3`` pins this version."""
        return f"{self.resource_id}/{self.label}"


def _python(t: Target) -> HowTo:
    if not t.published:
        code = (
            'pip install "bioimageio.core"\n'
            "# this revision is not published: download its zip first (you are logged in)\n"
            f"bioimageio test {file_stem(t.resource_id)}-{t.label}.zip\n"
            f"bioimageio predict --example {file_stem(t.resource_id)}-{t.label}.zip"
        )
        steps = ["Download the package zip, then test it and run it on its own test image."]
        return HowTo(key="python", title="Python (bioimageio.core)", steps=steps, code=code)
    env = (
        f"export BIOIMAGEIO_ID_MAP={t.id_map_url}\n"
        f"export BIOIMAGEIO_COLLECTION_HTTP_PATTERN='{t.collection_pattern}'\n"
    )
    code = (
        'pip install "bioimageio.core"\n'
        + env
        + f"bioimageio test {t.source}\n"
        + f"bioimageio predict --inputs my_image.tif {t.source}\n\n"
        + "# or in Python, with the same two variables set:\n"
        + "from bioimageio.core import load_description\n"
        + f'description = load_description("{t.source}")\n'
        + "# without them, load the description by its URL:\n"
        + f'description = load_description("{t.rdf_url}")'
    )
    steps = [
        "Install bioimageio.core and point it at this hub with the two environment variables;"
        f" then refer to this version as {t.source}.",
    ]
    if t.type == "model":
        steps.append(
            "bioimageio.core.predict(model=description, inputs=…) runs the model from Python,"
            " with the pre- and postprocessing the description declares."
        )
    return HowTo(key="python", title="Python (bioimageio.core)", steps=steps, code=code)


def _deepimagej(t: Target) -> HowTo:
    return HowTo(
        key="deepimagej",
        title="deepImageJ",
        steps=[
            f"Download the package zip ({t.package_url}).",
            "In ImageJ or Fiji with deepImageJ installed, open Plugins › deepImageJ ›"
            " DeepImageJ Install Model, choose “Private model” and “From ZIP file”, and select"
            " the zip.",
            "Open your image and run it with Plugins › deepImageJ › DeepImageJ Run.",
        ],
    )


def _fiji(t: Target) -> HowTo:
    return HowTo(
        key="fiji",
        title="Fiji (through deepImageJ)",
        steps=[
            "In Fiji, open Help › Update…, click “Manage update sites”, tick “DeepImageJ” and"
            " restart Fiji.",
            "Then install and run the model as described for deepImageJ, from the downloaded"
            " package zip.",
        ],
    )


def _ilastik(t: Target) -> HowTo:
    return HowTo(
        key="ilastik",
        title="ilastik",
        steps=[
            f"Download the package zip ({t.package_url}).",
            "In ilastik 1.4 or newer, start the Neural Network Classification (Local) workflow,"
            " add your data, and in the network step load the downloaded zip.",
            "ilastik runs the PyTorch or ONNX weights on your computer, tile by tile.",
        ],
    )


def _biapy(t: Target) -> HowTo:
    source = (
        f"  BMZ:\n    SOURCE_MODEL_ID: {t.source}  # with BIOIMAGEIO_ID_MAP set as for Python"
        if t.published
        else "  BMZ:\n    SOURCE_MODEL_ID: <this id, once the version is published>"
    )
    return HowTo(
        key="biapy",
        title="BiaPy",
        steps=[
            "BiaPy loads BioImage.IO models with PyTorch state-dict weights, to run them on your"
            " images or to fine-tune them (https://biapy.readthedocs.io/en/latest/get_started/bmz.html).",
            "In its configuration file, take the model from the BioImage Model Zoo source:",
        ],
        code=f"MODEL:\n  SOURCE: bmz\n{source}",
    )


def _bioengine(t: Target) -> HowTo:
    return HowTo(
        key="imjoy",
        title="ImJoy (BioEngine)",
        steps=[
            "The BioImage.IO BioEngine runs TorchScript, ONNX and TensorFlow weights on a server;"
            " ImJoy plugins (https://imjoy.io) send it images and show the results.",
            f"Point it at this version's description: {t.rdf_url}",
        ],
    )


def _zerocost(t: Target) -> HowTo:
    return HowTo(
        key="zerocostdl4mic",
        title="ZeroCostDL4Mic",
        steps=[
            f"Download the package zip ({t.package_url}) and unzip it.",
            "Open the ZeroCostDL4Mic notebook of this network in Google Colab and, where it asks"
            " for a pretrained model, give the path of the unzipped folder.",
        ],
    )


def _for_formats(key: str, title: str, needs: tuple[str, ...], t: Target) -> str | None:
    if set(needs) & set(t.weight_formats):
        return None
    return f"{title} runs {', '.join(needs)} weights; this version has none of them."


def how_to_use(t: Target) -> HowToUse:
    """The ways to use the version ``t``, and the consumers that cannot run it, with why."""
    ways = [_python(t)]
    unavailable: list[Unavailable] = []
    if t.type != "model":
        return HowToUse(ways=ways, unavailable=unavailable)
    consumers = (
        ("deepimagej", "deepImageJ", DEEPIMAGEJ_FORMATS, _deepimagej),
        ("fiji", "Fiji", DEEPIMAGEJ_FORMATS, _fiji),
        ("ilastik", "ilastik", ILASTIK_FORMATS, _ilastik),
        ("biapy", "BiaPy", BIAPY_FORMATS, _biapy),
        ("imjoy", "ImJoy (BioEngine)", BIOENGINE_FORMATS, _bioengine),
    )
    for key, title, needs, build in consumers:
        reason = _for_formats(key, title, needs, t)
        if reason is None:
            ways.append(build(t))
        else:
            unavailable.append(Unavailable(key=key, title=title, reason=reason))
    if ZEROCOST_TAGS & {tag.lower() for tag in t.tags}:
        ways.append(_zerocost(t))
    else:
        reason = (
            "ZeroCostDL4Mic loads models trained with its own notebooks (tagged zerocostdl4mic);"
            " this one is not, so use one of the ways above."
        )
        unavailable.append(Unavailable(key="zerocostdl4mic", title="ZeroCostDL4Mic", reason=reason))
    return HowToUse(ways=ways, unavailable=unavailable)
