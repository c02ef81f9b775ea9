"""Serve the VK emulator in the foreground for the demo: `python -m emulators.vk --port 8702`.

Starts with one user token and one community with its shop enabled; point VK_API_URL (and
VK_ID_AUTHORIZE_URL / VK_ID_TOKEN_URL, VK_ID_CLIENT_ID) at it.
"""

import argparse

from emulators.server import make_loopback_server
from emulators.vk.app import EXECUTE_RESPONSE_LIMIT_BYTES, VkEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="VK API emulator on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8702)
    parser.add_argument("--token", default="demo-vk-token", help="a user token the emulator accepts")
    parser.add_argument("--user-id", type=int, default=1)
    parser.add_argument("--group-id", type=int, default=1)
    parser.add_argument("--screen-name", default="evosync_demo")
    parser.add_argument("--client-id", default="", help="VK ID client_id to require (empty: any)")
    parser.add_argument("--rate-limit", type=float, default=3, help="requests per second per token (0: off)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every API request")
    parser.add_argument("--execute-response-limit", type=int, default=EXECUTE_RESPONSE_LIMIT_BYTES,
                        help="bytes of an execute's answer above which VK answers error 13 (0: no limit)")  # fmt: skip
    args = parser.parse_args()
    emu = VkEmulator(rate_limit_per_second=args.rate_limit or None, latency=args.latency,
                     execute_response_limit_bytes=args.execute_response_limit or None,
                     oauth_client_id=args.client_id or None)  # fmt: skip
    emu.add_user(token=args.token, user_id=args.user_id, name="Демо Продавец")
    emu.add_community(group_id=args.group_id, name="Демо-магазин", screen_name=args.screen_name, admins=[args.user_id])
    server = make_loopback_server(emu.wsgi_app, args.port)
    emu.base_url = f"http://127.0.0.1:{server.server_port}"
    print(f"VK emulator on {emu.base_url} (token {args.token!r}, community {args.group_id})", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
