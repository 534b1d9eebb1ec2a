import { hue, initials } from "../lib/format.js";

/** Avatar shows a user's or community's picture, or its initials on a colour of its own. */
export function Avatar({ id, name, url, size = 40 }: { id: string; name: string; url?: string | undefined; size?: number }) {
  const style = { width: size + "px", height: size + "px", fontSize: Math.round(size * 0.4) + "px" };
  if (url) return <img class="avatar" src={url} alt="" style={style} loading="lazy" referrerpolicy="no-referrer" />;
  return (
    <span class="avatar" aria-hidden="true" style={{ ...style, background: `hsl(${hue(id)} 45% 42%)` }}>
      {initials(name)}
    </span>
  );
}
