"""Stand-ins for the two clouds EvoSync talks to, the Evotor cloud and VK, served on loopback for tests,
the demo and the benchmarks. Plain WSGI and in-memory state; they import nothing from EvoSync's apps
(`tools.demo` wires the demo merchant to them), and no production module imports them.

Both emulators have one shape, so a reader who knows one knows the other:

- `app.py`: the emulator class (`EvotorEmulator`, `VkEmulator`), its WSGI app and routes, the request log;
- `state.py`: the data it holds (Evotor: each merchant's catalog; VK: users, tokens, communities and their
  shops), set up without API calls (`add_merchant`; `add_user`, `add_community`, `add_item`);
- `faults.py`: the fault hooks tests switch on (`fail_next`, `revoke_token`, ...), a mixin of the class;
- `demo.py`: the demo data (tokens, ids) and `seed_demo(emulator)`, used by `manage.py run_emulators`;
- `fixtures.py`: the pytest fixtures (`evotor_emulator`, `vk_emulator`) that serve it for one test.

What only one of them needs sits beside these. Evotor: `generator.py` (seeded catalogs), `assortment.py`
(what the generated shops sell), `images.py` (product pictures showing the product's name), `webhooks.py`
(Evotor calling our webhooks). VK: `methods.py` (the API methods run on the state), `vkscript.py` (`execute`'s
code), `schema.py` (VK's official schema and its checks), `conformance.py` (do logged calls fit it), `oauth.py`
(VK ID), `http.py` (reading form and multipart bodies), `shop_page.py` (the community's shop as a visitor sees
it, `/market-<group_id>`).
`server.py` serves either on 127.0.0.1, in a thread or in the foreground.
"""
