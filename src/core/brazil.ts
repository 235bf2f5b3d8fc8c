/** The 27 federative units of Brazil (UF codes), and the two buckets contactsByState adds. */
export const UFS = [
  'AC', 'AL', 'AM', 'AP', 'BA', 'CE', 'DF', 'ES', 'GO', 'MA', 'MG', 'MS', 'MT', 'PA',
  'PB', 'PE', 'PI', 'PR', 'RJ', 'RN', 'RO', 'RR', 'RS', 'SC', 'SE', 'SP', 'TO',
] as const;

export const STATE_BUCKETS = [...UFS, 'UNKNOWN', 'FOREIGN'] as const;
