/**
 * The person's profile: the contraindication screen (answered once) and the
 * limb occlusion pressure per limb with the date it was measured. One JSON
 * file in a per-user config folder, movable by --profile-dir or CUFF_PROFILE_DIR.
 */
import * as fs from "node:fs";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { describeFileError, InputFileError, readInputFile } from "../../shared/files.ts";
import { MAX_LOP_MMHG, MIN_LOP_MMHG } from "../../shared/limits.ts";
import { type Limb, LimbSchema } from "../../shared/plan.ts";
import { writeFileWhole } from "../record/whole-file.ts";

/** A measured LOP older than this is offered for re-measurement. */
export const LOP_STALE_DAYS = 30;
const DAY_MS = 86_400_000;

const LopRecordSchema = z.strictObject({
  mmhg: z.number().min(MIN_LOP_MMHG).max(MAX_LOP_MMHG),
  measuredAt: z.iso.datetime(),
  source: z.enum(["measured", "entered"]),
});
export type LopRecord = z.infer<typeof LopRecordSchema>;

export const PersonNameSchema = z.string().trim().min(1).max(80).regex(/^[^\x00-\x1f/\\]+$/);

export const ProfileSchema = z.strictObject({
  version: z.literal(1),
  /** The person this profile belongs to, when the folder holds several (a therapist's clients). */
  person: PersonNameSchema.optional(),
  screening: z
    .strictObject({
      answeredAt: z.iso.datetime(),
      /** "interactive": asked question by question; "flag": confirmed with --screened. */
      how: z.enum(["interactive", "flag"]),
      /** Every question answered "no" (a "yes" is never recorded as passed). */
      clear: z.literal(true),
    })
    .nullable(),
  lop: z.partialRecord(LimbSchema, LopRecordSchema),
});
export type Profile = z.infer<typeof ProfileSchema>;

export class ProfileError extends Error {
  override name = "ProfileError";
}

/** --profile-dir, then CUFF_PROFILE_DIR, then the platform's per-user config folder. */
export function profileDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.CUFF_PROFILE_DIR) return env.CUFF_PROFILE_DIR;
  if (process.platform === "win32" && env.APPDATA) return join(env.APPDATA, "cuff");
  if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "cuff");
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "cuff");
}

export function emptyProfile(): Profile {
  return { version: 1, screening: null, lop: {} };
}

/** A file name for a person: "Ana María" -> "ana-maría". */
export function personSlug(person: string): string {
  return person.trim().toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "") || "person";
}

/**
 * One person's profile in a profile folder: profile.json for the folder's own person, or
 * people/NAME.json for each named person (--person NAME).
 */
export class ProfileStore {
  readonly file: string;
  constructor(
    readonly dir: string,
    readonly person: string | null = null,
  ) {
    this.file = person === null ? join(dir, "profile.json") : join(dir, "people", `${personSlug(person)}.json`);
  }

  load(): Profile {
    let text: string;
    try {
      text = readInputFile(fs, this.file, "profile");
    } catch (error) {
      if (error instanceof InputFileError && error.code === "ENOENT") return emptyProfile();
      throw new ProfileError((error as Error).message);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProfileError(`the profile ${this.file} is not valid JSON; fix or delete it`);
    }
    const parsed = ProfileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ProfileError(`the profile ${this.file} is damaged (${issue.path.join(".") || "file"}: ${issue.message}); fix or delete it`);
    }
    return parsed.data;
  }

  /** Written whole or not at all (a temporary file, renamed), so a crash or a full disk never leaves half a profile. */
  save(profile: Profile): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
    } catch (error) {
      throw new ProfileError(`cannot create the profile folder ${this.dir}: ${describeFileError(error)}`);
    }
    try {
      const owned = this.person === null ? profile : { ...profile, person: this.person };
      writeFileWhole(this.file, JSON.stringify(ProfileSchema.parse(owned), null, 2) + "\n", "profile");
    } catch (error) {
      throw new ProfileError((error as Error).message);
    }
  }

  recordScreening(how: "interactive" | "flag", now: Date): Profile {
    const profile = this.load();
    profile.screening = { answeredAt: now.toISOString(), how, clear: true };
    this.save(profile);
    return profile;
  }

  recordLop(limb: Limb, mmhg: number, source: LopRecord["source"], now: Date): Profile {
    const profile = this.load();
    profile.lop[limb] = { mmhg: Math.round(mmhg), measuredAt: now.toISOString(), source };
    this.save(profile);
    return profile;
  }
}

export type LopFreshness = { kind: "none" } | { kind: "fresh" | "stale"; record: LopRecord; ageDays: number };

export function lopFreshness(profile: Profile, limb: Limb, now: Date): LopFreshness {
  const record = profile.lop[limb];
  if (!record) return { kind: "none" };
  const ageDays = Math.max(0, (now.getTime() - Date.parse(record.measuredAt)) / DAY_MS);
  return { kind: ageDays > LOP_STALE_DAYS ? "stale" : "fresh", record, ageDays: Math.floor(ageDays) };
}
