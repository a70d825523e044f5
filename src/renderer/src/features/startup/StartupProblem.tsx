import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import type { StartupProblem as Problem, StartupProblemKind } from '../../../../shared/contract';
import { call } from '../../lib/api';
import { BackupList } from '../../lib/BackupList';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { FormFooter } from '../../lib/FormFooter';
import { useAction } from '../../lib/useAction';

/** Problems the person fixes outside Tandem (close a program, free space, get permission), then tries again. */
const fixedOutside: ReadonlySet<StartupProblemKind> = new Set([
  'missingFolder',
  'readOnly',
  'diskFull',
  'locked',
  'unknown',
]);

/**
 * Shown instead of the app when main could not open the database: what is wrong, in the
 * person's language, and what they can do about it. Never a silent first start.
 */
export function StartupProblem({ problem, onChange }: { problem: Problem; onChange: () => void }) {
  const { t } = useTranslation();
  const heading = useRef<HTMLHeadingElement>(null);
  const { busy, error, done, run } = useAction();
  useEffect(() => heading.current?.focus(), [problem.kind]);

  function retry() {
    void run(async () => {
      const still = await call('startup.retry');
      onChange();
      return still ? t('startup.stillSame') : null;
    });
  }

  return (
    <section className="panel" aria-labelledby="startup-heading" data-problem={problem.kind}>
      <h1 id="startup-heading" tabIndex={-1} ref={heading}>
        {t(`startup.${problem.kind}.title`)}
      </h1>
      <p>
        {t(`startup.${problem.kind}.body`, { path: problem.path, found: problem.found, supported: problem.supported })}
      </p>
      {fixedOutside.has(problem.kind) && (
        <>
          <ErrorMessage error={error} />
          <div role="status" className="status-line">
            {done}
          </div>
          <button type="button" className="primary" disabled={busy} onClick={retry}>
            {t('startup.retry')}
          </button>
        </>
      )}
      {problem.canRestore && <BackupList onRestored={onChange} />}
      {problem.canStartOver && <StartOver onDone={onChange} />}
    </section>
  );
}

/** Behind a checkbox the person must tick: the file is set aside, and Tandem starts empty. */
function StartOver({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [understood, setUnderstood] = useState(false);
  const { busy, error, run } = useAction();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!understood) return;
    void run(async () => {
      await call('startup.startOver', { confirm: 'start over' });
      onDone();
      return null;
    });
  }
  return (
    <form className="panel" onSubmit={submit} aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('startup.startOver.heading')}</h2>
      <p>{t('startup.startOver.explain')}</p>
      <div className="check">
        <input
          id={`${ids}-c`}
          type="checkbox"
          required
          checked={understood}
          onChange={(e) => setUnderstood(e.target.checked)}
        />
        <label htmlFor={`${ids}-c`}>{t('startup.startOver.confirm')}</label>
      </div>
      <FormFooter error={error} status={null} busy={busy || !understood} label={t('startup.startOver.submit')} />
    </form>
  );
}
