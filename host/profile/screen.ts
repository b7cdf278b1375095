/**
 * The contraindication screen of the safety brief, asked before the first
 * session on a profile. Any "yes" stops with advice to see a clinician.
 * The questions and the advice live here for every interface that asks them.
 */

export const CONTRAINDICATIONS = [
  "Have you ever had deep vein thrombosis (DVT), a blood clot or a pulmonary embolism?",
  "Do you have varicose veins on the limb the cuff goes on?",
  "Are you pregnant?",
  "Do you have peripheral artery disease?",
  "Do you have a circulatory or heart condition?",
  "Is your blood pressure above 180/100 mmHg (or unknown and possibly that high)?",
  "Is there an open wound or an infection on that limb?",
  "Is that limb used for dialysis access (a fistula or graft)?",
  "Do you have sickle cell disease (or sickle cell trait with symptoms)?",
] as const;

export const CLINICIAN_ADVICE =
  "do not use the cuff: blood-flow-restriction training is not safe with this condition unless a clinician who knows your history says otherwise; please see one first";
