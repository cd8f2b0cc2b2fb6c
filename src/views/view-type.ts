// Every command has a human and a JSON view behind one interface, chosen once (Terraform's NewPlan(viewType)).
export type ViewType = 'human' | 'json';

export function viewTypeOf(json: boolean | undefined): ViewType {
  return json ? 'json' : 'human';
}
