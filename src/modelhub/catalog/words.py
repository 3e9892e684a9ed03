"""Word lists for human-friendly resource nicknames such as ``plucky-otter``.

A nickname is ``<adjective>-<noun>``. The adjective is shared by all resource types; the noun
is drawn from the resource type's own list, and no noun appears in two lists, so the noun alone
tells a resource's type and its emoji. These lists were written for modelhub.

Rules the lists keep (``tests/unit/catalog/test_nicknames.py`` checks them):

* words are lowercase ASCII letters only, one word each, no duplicates;
* adjectives are friendly or neutral and read well in front of any noun;
* each emoji is one grapheme (a single code point, optionally followed by U+FE0F) from
  Unicode 13 or earlier, so it renders on every current platform;
* ``len(ADJECTIVES) * len(NOUNS[t]) >= 10_000`` for every resource type ``t``.

Nicknames already handed out are never reused, so words may be added freely; removing or
renaming one only stops it from being drawn again (existing nicknames keep working, but their
emoji can only be looked up while the noun stays listed).
"""

# The data below is laid out by hand, several entries per line; keep the formatter off it.
# fmt: off

ADJECTIVES: tuple[str, ...] = (
    "able", "adept", "agile", "airy", "alert", "amber", "amiable", "ample", "apt", "ardent",
    "artful", "astute", "azure", "balmy", "beaming", "blithe", "bold", "bonny", "bouncy",
    "brave", "breezy", "bright", "brilliant", "brisk", "bubbly", "buoyant", "calm", "candid",
    "capable", "careful", "caring", "charming", "cheerful", "cheery", "chipper", "classic",
    "clean", "clever", "cobalt", "cordial", "cosmic", "cozy", "crimson", "curious", "dandy",
    "dapper", "daring", "dashing", "dauntless", "dazzling", "decent", "deft", "delightful",
    "devoted", "diligent", "dreamy", "dynamic", "eager", "earnest", "elated", "elegant",
    "emerald", "enchanted", "energetic", "epic", "exact", "fabulous", "faithful", "famous",
    "fancy", "fantastic", "fearless", "fervent", "festive", "fine", "fluent", "fluffy",
    "focused", "fond", "frank", "fresh", "friendly", "frosty", "gallant", "genial", "gentle",
    "genuine", "gifted", "glad", "gleaming", "glorious", "glowing", "golden", "graceful",
    "gracious", "grand", "grateful", "gutsy", "handy", "happy", "hardy", "harmonic", "hearty",
    "helpful", "heroic", "honest", "hopeful", "humble", "ideal", "indigo", "inventive",
    "jaunty", "jazzy", "jolly", "jovial", "joyful", "joyous", "jubilant", "keen", "kind",
    "kindly", "kindred", "laughing", "legendary", "likable", "lively", "lovely", "loyal",
    "lucid", "lucky", "luminous", "lunar", "magic", "majestic", "marvelous", "mellow", "merry",
    "mighty", "mindful", "modest", "mystic", "natural", "nautical", "neat", "nifty", "nimble",
    "noble", "novel", "optimal", "orderly", "patient", "peaceful", "peppy", "perky", "placid",
    "playful", "pleasant", "plucky", "poised", "polished", "polite", "precise", "prime",
    "pristine", "proud", "prudent", "quaint", "quick", "quiet", "quirky", "radiant", "rapid",
    "rare", "ready", "refined", "regal", "relaxed", "reliable", "resolute", "robust", "rosy",
    "royal", "rustic", "sage", "savvy", "scarlet", "scenic", "secure", "sensible", "serene",
    "sharp", "shiny", "silent", "silky", "silver", "simple", "sincere", "sleek", "smart",
    "smiling", "smooth", "snappy", "snug", "soaring", "soft", "solar", "solid", "sparkling",
    "sparkly", "speedy", "spirited", "splendid", "spotless", "spry", "stable", "stately",
    "steady", "stellar", "sterling", "striking", "sturdy", "sublime", "sunlit", "sunny",
    "super", "superb", "supreme", "sweet", "swift", "thankful", "thrifty", "tidy", "timely",
    "tough", "tranquil", "true", "trusty", "unique", "upbeat", "upright", "useful", "valiant",
    "velvet", "verdant", "vibrant", "vigilant", "vital", "vivid", "warm", "whimsical",
    "wholesome", "winsome", "wise", "witty", "wondrous", "worthy", "youthful", "zany",
    "zealous", "zesty", "zippy",
)

NOUNS: dict[str, tuple[tuple[str, str], ...]] = {
    # Models are animals, each with the emoji of that very animal.
    "model": (
        ("monkey", "🐒"), ("gorilla", "🦍"), ("orangutan", "🦧"), ("dog", "🐕"),
        ("poodle", "🐩"), ("wolf", "🐺"), ("fox", "🦊"), ("raccoon", "🦝"), ("cat", "🐈"),
        ("lion", "🦁"), ("tiger", "🐅"), ("leopard", "🐆"), ("horse", "🐎"), ("zebra", "🦓"),
        ("deer", "🦌"), ("bison", "🦬"), ("ox", "🐂"), ("buffalo", "🐃"), ("cow", "🐄"),
        ("pig", "🐖"), ("boar", "🐗"), ("ram", "🐏"), ("sheep", "🐑"), ("goat", "🐐"),
        ("dromedary", "🐪"), ("camel", "🐫"), ("llama", "🦙"), ("giraffe", "🦒"),
        ("elephant", "🐘"), ("mammoth", "🦣"), ("rhino", "🦏"), ("hippo", "🦛"),
        ("mouse", "🐁"), ("hamster", "🐹"), ("rabbit", "🐇"), ("chipmunk", "🐿️"),
        ("beaver", "🦫"), ("hedgehog", "🦔"), ("bat", "🦇"), ("bear", "🐻"), ("koala", "🐨"),
        ("panda", "🐼"), ("sloth", "🦥"), ("otter", "🦦"), ("skunk", "🦨"), ("kangaroo", "🦘"),
        ("badger", "🦡"), ("turkey", "🦃"), ("hen", "🐔"), ("rooster", "🐓"), ("chick", "🐤"),
        ("bird", "🐦"), ("penguin", "🐧"), ("dove", "🕊️"), ("eagle", "🦅"), ("duck", "🦆"),
        ("swan", "🦢"), ("owl", "🦉"), ("dodo", "🦤"), ("flamingo", "🦩"), ("peacock", "🦚"),
        ("parrot", "🦜"), ("frog", "🐸"), ("crocodile", "🐊"), ("turtle", "🐢"),
        ("lizard", "🦎"), ("python", "🐍"), ("sauropod", "🦕"), ("whale", "🐋"),
        ("dolphin", "🐬"), ("seal", "🦭"), ("fish", "🐟"), ("pufferfish", "🐡"),
        ("shark", "🦈"), ("octopus", "🐙"), ("snail", "🐌"), ("butterfly", "🦋"),
        ("caterpillar", "🐛"), ("ant", "🐜"), ("bee", "🐝"), ("beetle", "🪲"),
        ("ladybug", "🐞"), ("cricket", "🦗"), ("spider", "🕷️"), ("scorpion", "🦂"),
        ("worm", "🪱"), ("microbe", "🦠"), ("crab", "🦀"), ("lobster", "🦞"), ("shrimp", "🦐"),
        ("squid", "🦑"), ("oyster", "🦪"),
    ),
    # Datasets are fruits, vegetables, grains, herbs, flowers and trees.
    "dataset": (
        ("grape", "🍇"), ("melon", "🍈"), ("honeydew", "🍈"), ("watermelon", "🍉"),
        ("tangerine", "🍊"), ("clementine", "🍊"), ("mandarin", "🍊"), ("lemon", "🍋"),
        ("lime", "🍋"), ("banana", "🍌"), ("pineapple", "🍍"), ("mango", "🥭"), ("apple", "🍎"),
        ("pear", "🍐"), ("cherry", "🍒"), ("strawberry", "🍓"), ("blueberry", "🫐"),
        ("kiwi", "🥝"), ("tomato", "🍅"), ("olive", "🫒"), ("coconut", "🥥"), ("avocado", "🥑"),
        ("potato", "🥔"), ("yam", "🍠"), ("carrot", "🥕"), ("corn", "🌽"), ("chili", "🌶️"),
        ("pepper", "🫑"), ("cucumber", "🥒"), ("lettuce", "🥬"), ("cabbage", "🥬"),
        ("kale", "🥬"), ("spinach", "🥬"), ("broccoli", "🥦"), ("garlic", "🧄"),
        ("onion", "🧅"), ("mushroom", "🍄"), ("peanut", "🥜"), ("chestnut", "🌰"),
        ("bouquet", "💐"), ("blossom", "🌸"), ("magnolia", "🌸"), ("rose", "🌹"),
        ("hibiscus", "🌺"), ("orchid", "🌺"), ("sunflower", "🌻"), ("daisy", "🌼"),
        ("tulip", "🌷"), ("sprout", "🌱"), ("seedling", "🌱"), ("houseplant", "🪴"),
        ("fir", "🌲"), ("pine", "🌲"), ("spruce", "🌲"), ("cedar", "🌲"), ("larch", "🌲"),
        ("cypress", "🌲"), ("juniper", "🌲"), ("sequoia", "🌲"), ("redwood", "🌲"),
        ("oak", "🌳"), ("elm", "🌳"), ("birch", "🌳"), ("willow", "🌳"), ("aspen", "🌳"),
        ("alder", "🌳"), ("hazel", "🌳"), ("linden", "🌳"), ("poplar", "🌳"), ("maple", "🍁"),
        ("palm", "🌴"), ("cactus", "🌵"), ("rice", "🌾"), ("wheat", "🌾"), ("barley", "🌾"),
        ("oat", "🌾"), ("rye", "🌾"), ("millet", "🌾"), ("herb", "🌿"), ("basil", "🌿"),
        ("mint", "🌿"), ("thyme", "🌿"), ("parsley", "🌿"), ("oregano", "🌿"),
        ("rosemary", "🌿"), ("dill", "🌿"), ("shamrock", "☘️"), ("clover", "🍀"),
        ("leaf", "🍂"), ("bamboo", "🎋"),
    ),
    # Notebooks are objects: stationery, lab gear, tools, instruments and gadgets.
    "notebook": (
        ("journal", "📔"), ("ledger", "📒"), ("book", "📖"), ("scroll", "📜"), ("memo", "📝"),
        ("pencil", "✏️"), ("pen", "🖊️"), ("quill", "🪶"), ("brush", "🖌️"), ("crayon", "🖍️"),
        ("ruler", "📏"), ("triangle", "📐"), ("scissors", "✂️"), ("paperclip", "📎"),
        ("pushpin", "📌"), ("magnifier", "🔍"), ("microscope", "🔬"), ("telescope", "🔭"),
        ("vial", "🧪"), ("alembic", "⚗️"), ("petri", "🧫"), ("helix", "🧬"), ("magnet", "🧲"),
        ("compass", "🧭"), ("stopwatch", "⏱️"), ("timer", "⏲️"), ("hourglass", "⌛"),
        ("clock", "🕰️"), ("flashlight", "🔦"), ("lightbulb", "💡"), ("candle", "🕯️"),
        ("lamp", "🪔"), ("lantern", "🏮"), ("wrench", "🔧"), ("hammer", "🔨"),
        ("screwdriver", "🪛"), ("saw", "🪚"), ("ladder", "🪜"), ("hook", "🪝"), ("gear", "⚙️"),
        ("bolt", "🔩"), ("clamp", "🗜️"), ("balance", "⚖️"), ("toolbox", "🧰"), ("bucket", "🪣"),
        ("broom", "🧹"), ("basket", "🧺"), ("sponge", "🧽"), ("key", "🔑"), ("padlock", "🔒"),
        ("bell", "🔔"), ("horn", "📯"), ("trumpet", "🎺"), ("saxophone", "🎷"),
        ("guitar", "🎸"), ("violin", "🎻"), ("banjo", "🪕"), ("drum", "🥁"),
        ("accordion", "🪗"), ("piano", "🎹"), ("microphone", "🎤"), ("headphones", "🎧"),
        ("radio", "📻"), ("camera", "📷"), ("projector", "📽️"), ("floppy", "💾"),
        ("disc", "💿"), ("printer", "🖨️"), ("keyboard", "⌨️"), ("trackball", "🖲️"),
        ("laptop", "💻"), ("monitor", "🖥️"), ("battery", "🔋"), ("plug", "🔌"),
        ("antenna", "📡"), ("abacus", "🧮"), ("pager", "📟"), ("telephone", "☎️"),
        ("balloon", "🎈"), ("kite", "🪁"), ("yoyo", "🪀"), ("puzzle", "🧩"), ("dice", "🎲"),
        ("teddy", "🧸"), ("wand", "🪄"), ("orb", "🔮"), ("mirror", "🪞"), ("thread", "🧵"),
        ("yarn", "🧶"), ("needle", "🪡"), ("knot", "🪢"), ("parcel", "📦"), ("envelope", "✉️"),
        ("folder", "📁"), ("clipboard", "📋"), ("calendar", "📅"), ("frame", "🖼️"),
        ("amphora", "🏺"), ("anchor", "⚓"), ("pickaxe", "⛏️"), ("link", "🔗"),
        ("thermometer", "🌡️"), ("stethoscope", "🩺"), ("coin", "🪙"), ("gem", "💎"),
        ("ring", "💍"), ("crown", "👑"), ("cap", "🧢"), ("spectacles", "👓"), ("goggles", "🥽"),
        ("umbrella", "🌂"), ("backpack", "🎒"), ("briefcase", "💼"), ("suitcase", "🧳"),
        ("palette", "🎨"), ("watch", "⌚"), ("sofa", "🛋️"), ("chair", "🪑"), ("door", "🚪"),
        ("map", "🗺️"), ("trophy", "🏆"), ("medal", "🏅"), ("ribbon", "🎗️"), ("gift", "🎁"),
        ("pinata", "🪅"), ("chime", "🎐"), ("teapot", "🫖"), ("spoon", "🥄"), ("bowl", "🥣"),
    ),
    # Applications are vehicles, buildings, places, sky and weather.
    "application": (
        ("rocket", "🚀"), ("helicopter", "🚁"), ("airplane", "✈️"), ("jet", "🛩️"),
        ("satellite", "🛰️"), ("locomotive", "🚂"), ("train", "🚆"), ("metro", "🚇"),
        ("tram", "🚊"), ("monorail", "🚝"), ("bus", "🚌"), ("trolleybus", "🚎"),
        ("minibus", "🚐"), ("ambulance", "🚑"), ("firetruck", "🚒"), ("taxi", "🚕"),
        ("car", "🚗"), ("pickup", "🛻"), ("truck", "🚚"), ("lorry", "🚛"), ("tractor", "🚜"),
        ("racecar", "🏎️"), ("motorcycle", "🏍️"), ("scooter", "🛵"), ("bicycle", "🚲"),
        ("skateboard", "🛹"), ("cablecar", "🚠"), ("sailboat", "⛵"), ("canoe", "🛶"),
        ("speedboat", "🚤"), ("ship", "🚢"), ("liner", "🛳️"), ("ferry", "⛴️"), ("yacht", "🛥️"),
        ("parachute", "🪂"), ("sled", "🛷"), ("carousel", "🎠"), ("coaster", "🎢"),
        ("house", "🏠"), ("cottage", "🏡"), ("office", "🏢"), ("hospital", "🏥"),
        ("bank", "🏦"), ("hotel", "🏨"), ("store", "🏪"), ("school", "🏫"), ("mall", "🏬"),
        ("factory", "🏭"), ("castle", "🏰"), ("tower", "🗼"), ("museum", "🏛️"),
        ("stadium", "🏟️"), ("fountain", "⛲"), ("tent", "⛺"), ("circus", "🎪"), ("hut", "🛖"),
        ("bridge", "🌉"), ("skyline", "🏙️"), ("railway", "🛤️"), ("highway", "🛣️"),
        ("mountain", "⛰️"), ("summit", "🏔️"), ("volcano", "🌋"), ("campsite", "🏕️"),
        ("beach", "🏖️"), ("desert", "🏜️"), ("island", "🏝️"), ("park", "🏞️"), ("sunrise", "🌄"),
        ("sunset", "🌇"), ("globe", "🌐"), ("galaxy", "🌌"), ("meteor", "🌠"), ("star", "⭐"),
        ("moon", "🌙"), ("planet", "🪐"), ("comet", "☄️"), ("rainbow", "🌈"), ("cloud", "☁️"),
        ("rain", "🌧️"), ("lightning", "⚡"), ("snowflake", "❄️"), ("snowman", "⛄"),
        ("wind", "🌬️"), ("fog", "🌫️"), ("droplet", "💧"), ("wave", "🌊"),
    ),
}

# fmt: on
