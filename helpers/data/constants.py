"""Dataset constants, defined once with their sources: class names, normalisation statistics and
the official split sizes.

Statistics are per channel on the 0-1 scale (pixel / 255), computed over the training split.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelStats:
    """Per-channel mean and standard deviation (0-1 scale) and where the numbers come from."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    source: str


CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

# The fine labels in the order of the official `cifar-100-python/meta` file (alphabetical).
CIFAR100_CLASSES = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
    "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
    "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
    "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
    "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
    "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
    "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
    "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger",
    "tractor",
    "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
)  # fmt: skip

MNIST_CLASSES = tuple(str(digit) for digit in range(10))

# Zalando's label table (github.com/zalandoresearch/fashion-mnist, README "Labels").
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip

# The 101 object categories, sorted as torchvision's Caltech101 sorts its folders (case-sensitive,
# so capitalised names first). The loader takes class names from the folders it reads; this is the
# reference list of the official distribution.
CALTECH101_CLASSES = (
    "Faces", "Faces_easy", "Leopards", "Motorbikes", "accordion", "airplanes", "anchor", "ant", "barrel",
    "bass", "beaver", "binocular", "bonsai", "brain", "brontosaurus", "buddha", "butterfly", "camera", "cannon",
    "car_side", "ceiling_fan", "cellphone", "chair", "chandelier", "cougar_body", "cougar_face", "crab",
    "crayfish", "crocodile", "crocodile_head", "cup", "dalmatian", "dollar_bill", "dolphin", "dragonfly",
    "electric_guitar", "elephant", "emu", "euphonium", "ewer", "ferry", "flamingo", "flamingo_head", "garfield",
    "gerenuk", "gramophone", "grand_piano", "hawksbill", "headphone", "hedgehog", "helicopter", "ibis",
    "inline_skate", "joshua_tree", "kangaroo", "ketch", "lamp", "laptop", "llama", "lobster", "lotus",
    "mandolin", "mayfly", "menorah", "metronome", "minaret", "nautilus", "octopus", "okapi", "pagoda", "panda",
    "pigeon", "pizza", "platypus", "pyramid", "revolver", "rhino", "rooster", "saxophone", "schooner",
    "scissors", "scorpion", "sea_horse", "snoopy", "soccer_ball", "stapler", "starfish", "stegosaurus",
    "stop_sign", "strawberry", "sunflower", "tick", "trilobite", "umbrella", "watch", "water_lilly",
    "wheelchair", "wild_cat", "windsor_chair", "wrench", "yin_yang",
)  # fmt: skip
CALTECH101_BACKGROUND = "BACKGROUND_Google"

# The four files of an IDX dataset (MNIST, Fashion-MNIST), as torchvision names them in <root>/<Name>/raw/.
IDX_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "cifar10": CIFAR10_CLASSES,
    "cifar100": CIFAR100_CLASSES,
    "mnist": MNIST_CLASSES,
    "fashion_mnist": FASHION_MNIST_CLASSES,
    "caltech101": CALTECH101_CLASSES,
}

DATASET_STATS: dict[str, ChannelStats] = {
    "cifar10": ChannelStats(
        (0.4914, 0.4822, 0.4465),
        (0.2470, 0.2435, 0.2616),
        "official CIFAR-10 training set, 50,000 images (shared/data/README.md, verification table)",
    ),
    "cifar100": ChannelStats(
        (0.5071, 0.4865, 0.4409),
        (0.2673, 0.2564, 0.2762),
        "official CIFAR-100 training set, 50,000 images (values in common use, e.g. timm/pytorch-cifar100)",
    ),
    "mnist": ChannelStats(
        (0.1307,), (0.3081,), "MNIST training set, 60,000 images (shared/data/README.md, verification table)"
    ),
    "fashion_mnist": ChannelStats(
        (0.2860,), (0.3530,), "Fashion-MNIST training set, 60,000 images (shared/data/README.md)"
    ),
    # Computed from the images, not ImageNet's statistics: this library's decoding (RGB, shorter
    # side to 64 px, centre crop; see helpers.data.caltech) of the shared 64-px copy, all 8,677
    # object images. The shared README's (0.5483, 0.5274, 0.4989) / (0.3080, 0.3034, 0.3150) are
    # for the uncropped images; the crop removes mostly light background, hence the lower values.
    "caltech101": ChannelStats(
        (0.5384, 0.5170, 0.4885),
        (0.2877, 0.2820, 0.2948),
        "Caltech-101 object categories, 8,677 images as decoded here at 64 px; measured with helpers.data.caltech",
    ),
}

# The statistics that torchvision's ImageNet weights were trained with (its ImageClassification
# preset, torchvision/transforms/_presets.py, and every ResNet*_Weights' transforms): images given
# to a pretrained model are normalised with these, whatever the dataset.
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGENET_STATS = ChannelStats(
    IMAGENET_MEAN, IMAGENET_STD,
    "ImageNet-1k training set, as torchvision's pretrained weights expect (transforms._presets)",
)

# Study 1 normalises every channel with mean 0.5 and std 0.5 (maps [0, 1] to [-1, 1]).
HALF_STATS = ChannelStats((0.5,), (0.5,), "study 1 paper: mean 0.5, std 0.5 per channel")

# Official (train, test) sizes; a loaded split of another size gets a note saying so.
OFFICIAL_SIZES: dict[str, tuple[int, int]] = {
    "cifar10": (50_000, 10_000),
    "cifar100": (50_000, 10_000),
    "mnist": (60_000, 10_000),
    "fashion_mnist": (60_000, 10_000),
}

# Caltech-101 has no official test split: a stratified hold-out of this fraction becomes the test
# split (study 4's random 0.8 / 0.2 split), drawn with a fixed seed so that runs over different
# training seeds are all scored on the same images.
CALTECH101_TEST_FRACTION = 0.2
CALTECH101_SPLIT_SEED = 0
CALTECH101_DEFAULT_SIZE = 64  # the shared copy's longer side; larger sizes only upsample it

# The side in pixels of each dataset's images as loaded without image_size (Caltech-101's folder is
# decoded at CALTECH101_DEFAULT_SIZE, its embedded sample was made at that size).
NATIVE_IMAGE_SIZES: dict[str, int] = {"cifar10": 32, "cifar100": 32, "mnist": 28, "fashion_mnist": 28,
                                      "caltech101": CALTECH101_DEFAULT_SIZE}
