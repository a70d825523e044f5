import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from '../../lib/translation';
import { call } from '../../lib/api';
import { ErrorMessage } from '../../lib/ErrorMessage';
import { useAction } from '../../lib/useAction';
import { AddressField } from './AddressField';

/**
 * A desk's first start: Tandem on this computer alone, or a desk joined to a team workspace (its
 * address, then the usual sign-in). Main checks the address and asks the server before saving
 * anything; what it refuses is said here, and what was typed stays.
 */
export function DeskChoice({ onChosen }: { onChosen: () => void }) {
  const [step, setStep] = useState<'choose' | 'join'>('choose');
  // Kept across the steps: going back and forth, or a refusal, never loses what was typed.
  const [address, setAddress] = useState('');
  return step === 'choose' ? (
    <Choose onChosen={onChosen} onJoin={() => setStep('join')} />
  ) : (
    <Join address={address} onAddress={setAddress} onJoined={onChosen} onBack={() => setStep('choose')} />
  );
}

/** Moves focus to the heading of what just appeared, so a screen reader starts there. */
function useFocusOnShow() {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  return heading;
}

function Choose({ onChosen, onJoin }: { onChosen: () => void; onJoin: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const heading = useFocusOnShow();
  const { busy, error, run } = useAction();

  function useHere() {
    void run(async () => {
      await call('desk.useHere');
      onChosen();
      return null;
    });
  }

  return (
    <section className="panel desk-choice" aria-labelledby={`${ids}-h`} aria-busy={busy}>
      <h1 id={`${ids}-h`} tabIndex={-1} ref={heading}>
        {t('desk.choice.heading')}
      </h1>
      <p>{t('desk.choice.intro')}</p>
      <ul className="choices">
        <li>
          <button type="button" className="primary" disabled={busy} aria-describedby={`${ids}-here`} onClick={useHere}>
            {t('desk.choice.here')}
          </button>
          <p id={`${ids}-here`} className="hint">
            {t('desk.choice.hereHint')}
          </p>
        </li>
        <li>
          <button type="button" disabled={busy} aria-describedby={`${ids}-join`} onClick={onJoin}>
            {t('desk.choice.join')}
          </button>
          <p id={`${ids}-join`} className="hint">
            {t('desk.choice.joinHint')}
          </p>
        </li>
      </ul>
      <ErrorMessage error={error} />
    </section>
  );
}

function Join({
  address,
  onAddress,
  onJoined,
  onBack,
}: {
  address: string;
  onAddress: (value: string) => void;
  onJoined: () => void;
  onBack: () => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const heading = useFocusOnShow();
  const field = useRef<HTMLInputElement>(null);
  const { busy, error, run } = useAction();

  function submit(event: FormEvent) {
    event.preventDefault();
    void run(async () => {
      await call('desk.join', { url: address });
      onJoined();
      return null;
    }).then((joined) => {
      // Back to the address, as typed, to correct it.
      if (!joined) field.current?.focus();
    });
  }

  return (
    <form className="panel desk-choice" onSubmit={submit} aria-labelledby={`${ids}-h`} aria-busy={busy}>
      <h1 id={`${ids}-h`} tabIndex={-1} ref={heading}>
        {t('desk.join.heading')}
      </h1>
      <AddressField
        id={`${ids}-a`}
        label={t('desk.join.address')}
        hint={t('desk.join.addressHint')}
        value={address}
        onChange={onAddress}
        invalid={Boolean(error)}
        inputRef={field}
      />
      <ErrorMessage error={error} />
      <div role="status" className="status-line">
        {busy ? t('desk.join.checking') : null}
      </div>
      <div className="button-row">
        <button type="submit" className="primary" disabled={busy}>
          {t('desk.join.connect')}
        </button>
        <button type="button" disabled={busy} onClick={onBack}>
          {t('desk.join.back')}
        </button>
      </div>
    </form>
  );
}
