// Where the person is, in the address bar: /c/<communityID>/<channelID>,
// each ID escaped (a GENERAL channel is #general: /c/hikers/%23general), so
// that a reload or a shared link opens the same channel.

/** Place is a community and a channel. */
export interface Place {
  communityID?: string;
  channelID?: string;
}

/** placeOf reads a place from a path. */
export function placeOf(path: string): Place {
  const parts = path.split("/").filter(Boolean);
  if (parts[0] !== "c") return {};
  const p: Place = {};
  try {
    if (parts[1]) p.communityID = decodeURIComponent(parts[1]);
    if (parts[2]) p.channelID = decodeURIComponent(parts[2]);
  } catch {
    return {};
  }
  return p;
}

/** pathOf writes a place as a path. */
export function pathOf(p: Place): string {
  if (!p.communityID) return "/";
  let s = "/c/" + encodeURIComponent(p.communityID);
  if (p.channelID) s += "/" + encodeURIComponent(p.channelID);
  return s;
}
