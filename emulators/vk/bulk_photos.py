"""The bulk photo flow: `market.getProductPhotoUploadServer(bulk=1)` → one POST of several files → one
`market.saveProductPhotoBulk` answering every photo, in the files' order (schema: market_photo_id_bulk_response).

How many files one upload takes and their field names are not documented: the emulator takes `file1`…`fileN`
(N = `VkEmulator.bulk_max_files`, 5) and refuses more. `VkEmulator.refuse_bulk()` plays a community that refuses
the bulk flow (error 100 when a bulk upload address is asked for).
"""

import hashlib
import hmac
import json
import uuid

from emulators.vk.methods import community_of, handler, save_photo
from emulators.vk.schema import VkFault

FIELD = "file{n}"


def upload(emu, fields: dict, group_id: int, user_id: int, check) -> dict:
    """The upload server's answer to a bulk POST: every file checked (`check(content)` → (w, h) or an error)."""
    files = [fields[FIELD.format(n=n)][1] for n in range(1, len(fields) + 2) if FIELD.format(n=n) in fields]
    if not files:
        return {"error": "ERR_UPLOAD_FILE_NOT_FOUND: fields 'file1'… are required"}
    if len(files) > emu.bulk_max_files:
        return {"error": f"ERR_UPLOAD_TOO_MANY_FILES: at most {emu.bulk_max_files}"}
    photos = []
    for content in files:
        checked = check(content)
        if isinstance(checked, str):
            return {"error": checked}
        upload_id = uuid.uuid4().hex
        with emu._lock:
            emu.pending_uploads[upload_id] = content
        width, height = checked
        photos.append({"upload_id": upload_id, "width": width, "height": height})
    photo = json.dumps({"group_id": group_id, "user_id": user_id, "photos": photos})
    digest = hmac.new(emu.secret, photo.encode(), hashlib.sha256).hexdigest()
    return {"server": 1, "photo": photo, "hash": digest, "bulk": 1}


@handler("market.saveProductPhotoBulk")
def market_save_product_photo_bulk(emu, caller, v):
    try:
        answer = json.loads(v["upload_response"])
        photo = json.loads(answer["photo"])
        group_id, user_id, photos = int(photo["group_id"]), int(photo["user_id"]), list(photo["photos"])
    except (ValueError, KeyError, TypeError):
        raise VkFault(100, "upload_response is invalid")
    expected = hmac.new(emu.secret, answer["photo"].encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(str(answer.get("hash", "")), expected) or user_id != caller.user_id:
        raise VkFault(100, "upload_response hash is invalid")
    community = community_of(emu, -group_id, caller, write=True)
    if any(p.get("upload_id") not in emu.pending_uploads for p in photos):
        raise VkFault(100, "upload_response was already saved")
    saved = []
    for entry in photos:
        content = emu.pending_uploads.pop(entry["upload_id"])
        saved.append(save_photo(emu, community, content, int(entry["width"]), int(entry["height"])))
    return saved
