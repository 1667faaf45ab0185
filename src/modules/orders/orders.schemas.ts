import { z } from 'zod';
import { orderChannel, orderStatus, paymentMethod } from '../../db/schema/index.ts';
import { moneyInput, skuSchema } from '../catalog/catalog.schemas.ts';

const phone = z
  .string()
  .trim()
  .min(6, 'is too short for a phone number')
  .max(20)
  .regex(/^[+\d][\d\s\-().]*$/, 'must be a phone number such as 0812345678');

export const createOrderInput = z.object({
  channel: z.enum(orderChannel.enumValues),
  externalId: z.string().trim().min(1).max(100).optional(),
  customer: z.object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    phone,
  }),
  lines: z
    .array(
      z.object({
        sku: skuSchema,
        qty: z.number().int().min(1).max(10_000),
      }),
    )
    .min(1, 'must hold at least one line')
    .max(200),
  shippingAddress: z.object({
    name: z.string().trim().min(1, 'must not be empty').max(200),
    phone,
    address: z.string().trim().min(5, 'must be a full delivery address').max(1000),
    postcode: z
      .string()
      .trim()
      .regex(/^\d{5}$/, 'must be a 5-digit Thai postcode')
      .optional(),
  }),
  paymentMethod: z.enum(paymentMethod.enumValues).default('promptpay'),
  shippingFee: moneyInput.optional(),
  discount: moneyInput.optional(),
  note: z.string().max(2000).optional(),
});
export type CreateOrderInput = z.infer<typeof createOrderInput>;

export const transitionInput = z.object({
  to: z.enum(orderStatus.enumValues),
  note: z.string().trim().max(2000).optional(),
  /**
   * Approving a slip under review (to `paid`): the amount received in minor units when it is not what
   * the slips show; `note` then says why. The order is paid only when payments cover its total.
   */
  received: z.number().int().positive().max(1_000_000_000).optional(),
});

export const listOrdersQuery = z.object({
  status: z.enum(orderStatus.enumValues).optional(),
  channel: z.enum(orderChannel.enumValues).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ListOrdersQuery = z.infer<typeof listOrdersQuery>;
