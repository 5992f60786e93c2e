import { stageRuleViolations, type StageDraft } from './stage.rules';

const stage = (name: string, kind: StageDraft['kind'] = 'open'): StageDraft => ({ name, kind });
const valid = [stage('New'), stage('Contacted'), stage('Converted', 'win'), stage('Closed', 'lost')];

describe('stage rules', () => {
  it('accepts one win, one lost and open stages with distinct names', () => {
    expect(stageRuleViolations(valid)).toEqual([]);
  });

  it('accepts the win and lost stages anywhere in the order', () => {
    expect(stageRuleViolations([stage('Won', 'win'), stage('Open'), stage('Lost', 'lost')])).toEqual([]);
  });

  it.each([
    ['no win stage', [stage('New'), stage('Lost', 'lost')], 'must have exactly one win stage (found 0)'],
    ['two win stages', [stage('New'), stage('Won', 'win'), stage('Won again', 'win'), stage('Lost', 'lost')], 'must have exactly one win stage (found 2)'],
    ['no lost stage', [stage('New'), stage('Won', 'win')], 'must have exactly one lost stage (found 0)'],
    ['two lost stages', [stage('New'), stage('Won', 'win'), stage('Lost', 'lost'), stage('Gone', 'lost')], 'must have exactly one lost stage (found 2)'],
    ['no open stage', [stage('Won', 'win'), stage('Lost', 'lost')], 'must have at least one open stage'],
  ])('rejects %s on the list itself', (_, stages, reason) => {
    expect(stageRuleViolations(stages)).toEqual([{ path: [], reason }]);
  });

  it('reports every broken rule at once', () => {
    expect(stageRuleViolations([]).map((violation) => violation.reason)).toEqual([
      'must have exactly one win stage (found 0)',
      'must have exactly one lost stage (found 0)',
      'must have at least one open stage',
    ]);
  });

  it('rejects a duplicate name, ignoring case and surrounding spaces, on the later stage', () => {
    expect(stageRuleViolations([...valid, stage(' new ')])).toEqual([
      { path: [4, 'name'], reason: 'duplicates the name of stage 0 ("New"); names are case-insensitive' },
    ]);
  });
});
