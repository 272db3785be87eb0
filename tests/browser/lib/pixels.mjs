// How much a screenshot shows: distinct colours and the share of the commonest one.
import { PNG } from "pngjs";

export function colourStats(pngBuffer) {
  const image = PNG.sync.read(pngBuffer);
  const counts = new Map();
  for (let i = 0; i < image.data.length; i += 4) {
    // Quantise to 5 bits a channel so anti-aliasing noise does not count as content.
    const key = ((image.data[i] >> 3) << 10) | ((image.data[i + 1] >> 3) << 5) | (image.data[i + 2] >> 3);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const pixels = image.width * image.height;
  const commonest = Math.max(...counts.values());
  return { distinct: counts.size, commonestShare: commonest / pixels, width: image.width, height: image.height };
}
