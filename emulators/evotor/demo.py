"""Demo data: the merchant the Evotor emulator serves under `manage.py run_emulators` (and `make run`).

Only the emulator's side; `tools.demo` connects EvoSync's demo merchant to it.
"""

DEMO_TOKEN = "demo-evotor-cloud-token"
DEMO_USER_ID = "01-000000000000777"


def seed_demo(
    emulator,
    *,
    seed: int = 1,
    stores: int = 2,
    groups: int = 12,
    products: int = 300,
    image_share: float = 0.8,
    variant_cards: int = 7,
) -> dict:
    """The demo merchant's generated catalog (token `DEMO_TOKEN`), with products in modifications (sizes, colours,
    volumes); returns its ids, like `add_merchant`."""
    return emulator.add_merchant(
        token=DEMO_TOKEN,
        user_id=DEMO_USER_ID,
        seed=seed,
        stores=stores,
        groups=groups,
        products=products,
        image_share=image_share,
        variant_cards=variant_cards,
    )
