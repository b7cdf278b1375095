(globalThis as any).DEBUG_FADE = (b: any, f: any) => console.log(`t ${b.tSeconds.toFixed(2)} c ${b.mmhg.toFixed(1)} A ${b.amplitudeCounts.toFixed(0)} n ${b.noiseCounts.toFixed(1)} fading ${f.fading} run ${f.run} ${f.reading()?.mmhg?.toFixed(1)}`);
await import("./tmp-one.ts");
