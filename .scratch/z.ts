import { z } from "zod";
const A = z.strictObject({ mode: z.literal("sets").default("sets"), sets: z.array(z.number()) });
const B = z.strictObject({ mode: z.literal("continuous"), minutes: z.number() });
const U = z.discriminatedUnion("mode", [A, B]);
console.log(U.parse({ sets: [1] }), U.parse({ mode: "continuous", minutes: 2 }), U.safeParse({ mode: "x" }).success);
console.log(JSON.stringify(z.toJSONSchema(U, { io: "input" })).slice(0, 300));
type T = z.infer<typeof U>;
const s = z.string().max(200); console.log((s as any).maxLength, z.number().min(-50).max(400).maxValue);
