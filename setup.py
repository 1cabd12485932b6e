"""Packaging: the library ``tfgan_gp``, plus the recipes and the export and evaluation tools under this project's names.

In a checkout, ``python -m recipes.<name>``, ``python -m export`` and ``python -m evaluate`` run the folders
``recipes/``, ``export/`` and ``evaluate/`` directly. Installed from a wheel they are ``tfgan_gp_recipes``,
``tfgan_gp_export`` and ``tfgan_gp_evaluate`` (``python -m tfgan_gp_recipes.cifar_resnet``,
``python -m tfgan_gp_export``, ``python -m tfgan_gp_evaluate``): no generic top-level names.
"""
from setuptools import find_packages, setup

setup(
    name="tfgan_gp",
    version="0.2.0",
    description="Wasserstein GANs with gradient penalty and their relatives for TensorFlow 2 / Keras 3",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    packages=find_packages(include=["tfgan_gp", "tfgan_gp.*"]) + ["tfgan_gp_recipes", "tfgan_gp_export",
                                                                  "tfgan_gp_evaluate"],
    package_dir={"tfgan_gp_recipes": "recipes", "tfgan_gp_export": "export", "tfgan_gp_evaluate": "evaluate"},
    python_requires=">=3.10",
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.0",
        "tensorflow-datasets",
        "importlib_resources",  # tensorflow-datasets' downloader imports it without declaring it
        "tensorboard",
        "absl-py",
        "numpy",
        "scipy",
        "pillow",
        "matplotlib",
    ],
    extras_require={"test": ["pytest", "pytest-xdist"]},  # the suite runs on 2 workers (BUILD.md)
    license="Apache-2.0",
)
