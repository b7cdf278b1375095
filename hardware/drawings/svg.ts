/**
 * A tiny SVG writer for the hardware drawings. Output is deterministic (fixed
 * number formatting, insertion order) so a test can compare committed drawings
 * with freshly generated ones byte for byte.
 */

export type Point = readonly [number, number];

export const FONT = "DejaVu Sans, Arial, Helvetica, sans-serif";

function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

export interface TextOptions {
  anchor?: "start" | "middle" | "end";
  size?: number;
  weight?: "normal" | "bold";
  fill?: string;
  italic?: boolean;
}

export class SvgDoc {
  private readonly body: string[] = [];
  private depth = 1;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly title: string,
  ) {}

  private emit(line: string): void {
    this.body.push(`${"  ".repeat(this.depth)}${line}`);
  }

  /** A group carrying the BOM part id and designator, so tests can find every part. */
  part(designator: string, partId: string, draw: () => void): void {
    this.emit(`<g id="${escapeXml(designator)}" data-part="${escapeXml(partId)}" data-designator="${escapeXml(designator)}">`);
    this.depth += 1;
    draw();
    this.depth -= 1;
    this.emit("</g>");
  }

  group(className: string, draw: () => void): void {
    this.emit(`<g class="${className}">`);
    this.depth += 1;
    draw();
    this.depth -= 1;
    this.emit("</g>");
  }

  line(a: Point, b: Point, stroke = "#222", width = 2, dash?: string): void {
    this.emit(
      `<line x1="${num(a[0])}" y1="${num(a[1])}" x2="${num(b[0])}" y2="${num(b[1])}" stroke="${stroke}" stroke-width="${num(width)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    );
  }

  polyline(points: readonly Point[], stroke = "#222", width = 2, dash?: string): void {
    const pts = points.map(([x, y]) => `${num(x)},${num(y)}`).join(" ");
    this.emit(
      `<polyline points="${pts}" fill="none" stroke="${stroke}" stroke-width="${num(width)}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    );
  }

  polygon(points: readonly Point[], fill: string, stroke = "#222", width = 1.5): void {
    const pts = points.map(([x, y]) => `${num(x)},${num(y)}`).join(" ");
    this.emit(`<polygon points="${pts}" fill="${fill}" stroke="${stroke}" stroke-width="${num(width)}"/>`);
  }

  rect(x: number, y: number, w: number, h: number, opts: { fill?: string; stroke?: string; width?: number; dash?: string; radius?: number } = {}): void {
    const { fill = "none", stroke = "#222", width = 2, dash, radius = 0 } = opts;
    this.emit(
      `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}"${radius ? ` rx="${num(radius)}"` : ""} fill="${fill}" stroke="${stroke}" stroke-width="${num(width)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    );
  }

  circle(cx: number, cy: number, r: number, opts: { fill?: string; stroke?: string; width?: number; dash?: string } = {}): void {
    const { fill = "none", stroke = "#222", width = 2, dash } = opts;
    this.emit(
      `<circle cx="${num(cx)}" cy="${num(cy)}" r="${num(r)}" fill="${fill}" stroke="${stroke}" stroke-width="${num(width)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`,
    );
  }

  path(d: string, opts: { fill?: string; stroke?: string; width?: number; dash?: string } = {}): void {
    const { fill = "none", stroke = "#222", width = 2, dash } = opts;
    this.emit(`<path d="${d}" fill="${fill}" stroke="${stroke}" stroke-width="${num(width)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
  }

  text(x: number, y: number, content: string, opts: TextOptions = {}): void {
    const { anchor = "start", size = 13, weight = "normal", fill = "#111", italic = false } = opts;
    this.emit(
      `<text x="${num(x)}" y="${num(y)}" font-size="${num(size)}" text-anchor="${anchor}"${weight === "bold" ? ' font-weight="bold"' : ""}${italic ? ' font-style="italic"' : ""} fill="${fill}">${escapeXml(content)}</text>`,
    );
  }

  /** Several lines of text, top line at y. */
  lines(x: number, y: number, content: readonly string[], opts: TextOptions & { leading?: number } = {}): void {
    const leading = opts.leading ?? (opts.size ?? 13) * 1.3;
    content.forEach((line, i) => this.text(x, y + i * leading, line, opts));
  }

  dot(x: number, y: number, fill = "#222"): void {
    this.circle(x, y, 4, { fill, stroke: fill, width: 1 });
  }

  toString(): string {
    return [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="${FONT}">`,
      `  <title>${escapeXml(this.title)}</title>`,
      `  <rect x="0" y="0" width="${this.width}" height="${this.height}" fill="#ffffff"/>`,
      ...this.body,
      "</svg>",
      "",
    ].join("\n");
  }
}
