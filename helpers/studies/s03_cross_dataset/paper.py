"""Study 3's paper (Kittipipatthanapong 2023, "Deep Residual Learning for Enhanced Image
Classification Across Diverse Datasets", ``../shared/papers/study3_cross_dataset.txt``): the models
and datasets it compares, as built here, the numbers it reports, and its claims (:data:`CLAIMS`, one
row each of the claims ledger: the claim, where it stands, Table 1's numbers for it and an outside
reference where one was checked)."""

from typing import Any

from helpers.studies.common.claims import Claim

# Display name -> (registry name, model options). AlexNet without dropout: "dropout techniques
# were not utilized" (Section 3.3). ResNets use the library's default CIFAR stem (chosen).
MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "AlexNet": ("alexnet", {"dropout": 0.0}),
    "VGG19": ("vgg19", {}),
    "ResNet-18": ("resnet18", {}),
    "ResNet-34": ("resnet34", {}),
    "ResNet-50": ("resnet50", {}),
}
DATASETS = {"Fashion-MNIST": "fashion_mnist", "CIFAR-10": "cifar10", "CIFAR-100": "cifar100"}
RESNETS = ("ResNet-18", "ResNet-34", "ResNet-50")
PLAIN_NETWORKS = ("AlexNet", "VGG19")

# Table 1. Accuracies as fractions; parameter counts as printed (rounded to millions).
PAPER_LAYERS = {"AlexNet": 9, "VGG19": 19, "ResNet-18": 18, "ResNet-34": 34, "ResNet-50": 50}
PAPER_PARAMS = {"AlexNet": 56_000_000, "VGG19": 20_000_000, "ResNet-18": 11_000_000,
                "ResNet-34": 21_000_000, "ResNet-50": 23_000_000}
PAPER_TEST_TOP1 = {
    "Fashion-MNIST": {"AlexNet": 0.894, "VGG19": 0.896, "ResNet-18": 0.934, "ResNet-34": 0.937, "ResNet-50": 0.933},
    "CIFAR-10": {"AlexNet": 0.776, "VGG19": 0.747, "ResNet-18": 0.893, "ResNet-34": 0.896, "ResNet-50": 0.892},
    "CIFAR-100": {"AlexNet": 0.400, "VGG19": 0.479, "ResNet-18": 0.657, "ResNet-34": 0.652, "ResNet-50": 0.656},
}
# The abstract's ResNet-18 numbers disagree with Table 1 (they are Table 1's ResNet-34 column on
# Fashion-MNIST and CIFAR-10, and its ResNet-34 CIFAR-100 cell); Section 4.2 gives a third value.
PAPER_ABSTRACT_RESNET18 = {"Fashion-MNIST": 0.937, "CIFAR-10": 0.896, "CIFAR-100": 0.652}
PAPER_TEXT_RESNET18 = {"Fashion-MNIST": 0.936}
# The official test sets have 10,000 images each; the paper reports one run per cell.
PAPER_TEST_IMAGES = 10_000

# What the text says, verbatim, where its own Table 1 bears on it (see
# :mod:`helpers.studies.s03_cross_dataset.findings`).
QUOTES = {
    "abstract_resnet18": ("Abstract", "ResNet18 emerged as the standout performer, demonstrating exceptional "
                          "performance across all tested datasets"),
    "fashion_identical": ("Section 4.2", "manifested almost identical performance levels across all the evaluated "
                          "models"),
    "fashion_marginal": ("Section 4.2", "leading to only a marginal increase in performance"),
    "simpler_models": ("Section 4.2", "Simpler models, such as AlexNet and VGG19"),
    "cifar100_resolution": ("Section 4.2", "The CIFAR-100 dataset, with its high-resolution color images"),
    "widening": ("Sections 4.2 and 5", "their performance tends to deteriorate markedly as the complexity of the "
                 "task at hand increases"),
}
IMAGE_SIDE = {"Fashion-MNIST": 28, "CIFAR-10": 32, "CIFAR-100": 32}  # Section 4.1: pixels per side

# The paper's figures: number -> what it shows. All five are illustrations taken from He et al.
# 2016 and Li et al. 2018; none is a result of the paper's experiments.
FIGURES = {
    1: "training and test error of plain networks on CIFAR-10 (the degradation problem), from He et al. 2016",
    2: "a residual block (diagram), from He et al. 2016",
    3: "loss surfaces with and without skip connections, from Li et al. 2018",
    4: "VGG-19, a 34-layer plain network and ResNet-34 (architecture diagram), from He et al. 2016",
    5: "basic and bottleneck blocks (diagram), from He et al. 2016",
}
PAPER_EPOCHS = 20  # "The models underwent training for up to 20 epochs" (Section 3.3)

# Outside references, each checked against its source (public READMEs; numbers as printed there).
# A repository that keeps the checkpoint with the best test accuracy reports the best epoch chosen
# on test, which is optimistic.
REFERENCES = {
    "Fashion-MNIST": "zalandoresearch/fashion-mnist README, submitted benchmarks (not re-checked by its maintainers): "
                     "ResNet18 94.9 %, VGG16 93.5 %, AlexNet with triplet loss 89.9 %",
    "CIFAR-10": "kuangliu/pytorch-cifar README, one recipe for every network, best epoch chosen on test "
                "(optimistic): ResNet18 93.02 %, ResNet50 93.62 %, VGG16 92.64 %",
    "CIFAR-100": "weiaicunzai/pytorch-cifar100 README, one recipe for every network (200 epochs), best epoch chosen "
                 "on test (optimistic): ResNet18 75.61 %, ResNet34 76.76 %, ResNet50 77.39 %, VGG19-BN 72.23 %",
}


def _points(value: float) -> str:
    return f"{100 * value:+.1f}"


def _cells(dataset: str, models: tuple[str, ...]) -> str:
    return " / ".join(f"{100 * PAPER_TEST_TOP1[dataset][m]:.1f}" for m in models)


def _dataset_claims(dataset: str) -> tuple[Claim, ...]:
    """The paper's ranking claims on one dataset, with Table 1's numbers for them."""
    top1, slug = PAPER_TEST_TOP1[dataset], DATASETS[dataset]
    weakest = min(RESNETS, key=top1.get)
    others = max((m for m in MODELS if m != "ResNet-18"), key=top1.get)
    shallow = top1["ResNet-18"]
    resnets = f"ResNet-18/34/50 {_cells(dataset, RESNETS)}"
    return (
        Claim(f"resnets_above_vgg19_{slug}", f"Every ResNet (18, 34, 50) beats VGG19 on {dataset}",
              "Table 1; Section 5 ('the ResNet variants consistently delivered superior performance across all "
              "datasets')",
              f"Table 1: {resnets} vs VGG19 {100 * top1['VGG19']:.1f} %; the weakest ResNet ({weakest}) "
              f"{_points(top1[weakest] - top1['VGG19'])} points", REFERENCES[dataset]),
        Claim(f"resnets_above_alexnet_{slug}", f"Every ResNet (18, 34, 50) beats AlexNet on {dataset}",
              "Table 1; Section 5",
              f"Table 1: {resnets} vs AlexNet {100 * top1['AlexNet']:.1f} %; the weakest ResNet ({weakest}) "
              f"{_points(top1[weakest] - top1['AlexNet'])} points", REFERENCES[dataset]),
        Claim(f"resnet18_standout_{slug}", f"ResNet-18 is the standout performer on {dataset} (best of the five)",
              "Abstract ('ResNet18 emerged as the standout performer ... across all tested datasets')",
              f"Table 1: ResNet-18 {100 * shallow:.1f} %, the best of the other four {others} "
              f"{100 * top1[others]:.1f} % ({_points(shallow - top1[others])} points)", REFERENCES[dataset]),
        Claim(f"depth_no_worse_{slug}", f"Deeper ResNets (34, 50) are at least as accurate as ResNet-18 on {dataset}",
              "Sections 2.3 and 2.4 ('the deeper model performs at least as well as its shallower counterpart')",
              f"Table 1: ResNet-34 minus ResNet-18 {_points(top1['ResNet-34'] - shallow)}, ResNet-50 minus "
              f"ResNet-18 {_points(top1['ResNet-50'] - shallow)} points",
              REFERENCES[dataset] if dataset != "Fashion-MNIST" else ""),
    )


# The pair whose gap measures the widening advantage: the paper's headline ResNet and the plain
# network that shares the ResNets' recipe at every profile but smoke (AlexNet's lr differs).
ADVANTAGE_PAIR = ("ResNet-18", "VGG19")
_GAPS = {d: PAPER_TEST_TOP1[d][ADVANTAGE_PAIR[0]] - PAPER_TEST_TOP1[d][ADVANTAGE_PAIR[1]] for d in DATASETS}
WIDENING = Claim(
    "advantage_widens", "The plain networks fall further behind the ResNets as the task gets harder "
    "(Fashion-MNIST, then CIFAR-10, then CIFAR-100)",
    "Section 4.2 ('their performance tends to deteriorate markedly as the complexity of the task at hand increases'); "
    "Section 5",
    f"Table 1, {ADVANTAGE_PAIR[0]} minus {ADVANTAGE_PAIR[1]}: "
    + ", ".join(f"{d} {_points(gap)}" for d, gap in _GAPS.items()) + " points (stated, never computed)")
# The paper against its own numbers (computed in :mod:`helpers.studies.s03_cross_dataset.findings`).
CONTRADICTIONS = (
    Claim("abstract_numbers", "[ResNet18] achieving accuracy rates of 93.7%, 89.6%, and 65.2% on Fashion MNIST, "
          "CIFAR10 and CIFAR100", "Abstract", f"Table 1, ResNet-18: {_cells('Fashion-MNIST', ('ResNet-18',))} / "
          f"{_cells('CIFAR-10', ('ResNet-18',))} / {_cells('CIFAR-100', ('ResNet-18',))} %; Section 4.2: 93.6 % "
          "on Fashion-MNIST"),
    Claim("standout_in_table1", QUOTES["abstract_resnet18"][1], "Abstract",
          "Table 1: the best ResNet is " + ", ".join(f"{max(RESNETS, key=PAPER_TEST_TOP1[d].get)} on {d}"
                                                     for d in DATASETS)),
    Claim("fashion_identical", f"{QUOTES['fashion_identical'][1]}; {QUOTES['fashion_marginal'][1]}",
          "Section 4.2, on Fashion-MNIST", f"Table 1: ResNet-18 {_cells('Fashion-MNIST', ('ResNet-18',))} vs "
          f"AlexNet / VGG19 {_cells('Fashion-MNIST', PLAIN_NETWORKS)} %"),
    Claim("simpler_models", QUOTES["simpler_models"][1], "Section 4.2",
          "Table 1: " + ", ".join(f"{m} {PAPER_LAYERS[m]} layers, {PAPER_PARAMS[m] / 1e6:.0f}M parameters"
                                  for m in (*PLAIN_NETWORKS, "ResNet-18"))),
    Claim("cifar100_resolution", QUOTES["cifar100_resolution"][1], "Section 4.2",
          "Section 4.1: " + ", ".join(f"{d} {side}x{side} px" for d, side in IMAGE_SIDE.items())),
)
# One claim per row of the ledger, in its order: per kind of claim, the datasets in order.
_BY_DATASET = {d: _dataset_claims(d) for d in DATASETS}
CLAIMS: tuple[Claim, ...] = (*(_BY_DATASET[d][kind] for kind in range(4) for d in DATASETS), WIDENING,
                             *CONTRADICTIONS)
