// A file processor. On the Key-value stores page, make a store (say
// "uploads") run this function on each upload ("Uploads run"), then drop a
// text file on it, or PUT it to /api/v1/kv/uploads/notes.txt. Each upload
// arrives as the S3 event Lambda receives; this reads the file through
// the key-value store, counts its lines and words, and writes the counts
// as JSON under the same key in the store "wordcounts". Open the
// function's URL to list what it has counted.

const results = kv.store('wordcounts');

export const handler = async (event) => {
  if (!event.Records) {
    const counted = Object.fromEntries(results.list().map((key) => [key, results.getJSON(key).words]));
    return { statusCode: 200, body: { 'word counts': counted } };
  }
  for (const record of event.Records) {
    const { bucket, object } = record.s3;
    const text = kv.store(bucket.name).get(object.key);
    if (text === null) throw new Error(`${bucket.name}/${object.key} was deleted before it was counted`);
    const words = text.toLowerCase().match(/[\w']+/g) ?? [];
    const tally = new Map();
    for (const word of words) tally.set(word, (tally.get(word) ?? 0) + 1);
    const counts = {
      lines: text.split(/\r?\n/).filter((line, i, all) => line || i < all.length - 1).length,
      words: words.length,
      top: [...tally].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 5),
    };
    results.set(object.key, counts);
    console.log(`${bucket.name}/${object.key}: ${counts.words} words, ${counts.lines} lines`);
  }
  return { ok: true };
};
